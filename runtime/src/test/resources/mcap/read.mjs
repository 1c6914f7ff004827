// An independent MCAP reader (Foxglove's @mcap/core): reads FILE twice, through the summary and
// chunk indexes and front to back as a stream, and prints what it found as JSON.
import { McapIndexedReader, McapStreamReader } from "@mcap/core";
import { FileHandleReadable } from "@mcap/nodejs";
import { open, readFile } from "node:fs/promises";

const file = process.argv[2];
if (process.argv[3] === "--stream-only") {
  // a file cut off mid-write (the process killed): no summary, no footer; read what is whole
  const stream = new McapStreamReader();
  stream.append(await readFile(file));
  let streamed = 0;
  for (let r; (r = stream.nextRecord()); ) {
    if (r.type === "Message") streamed++;
  }
  console.log(JSON.stringify({ streamed, done: stream.done() }));
  process.exit(0);
}
const handle = await open(file, "r");
const reader = await McapIndexedReader.Initialize({ readable: new FileHandleReadable(handle) });
const topics = {};
let indexed = 0;
let first = null;
let last = null;
let sample = null;
for await (const m of reader.readMessages()) {
  const ch = reader.channelsById.get(m.channelId);
  topics[ch.topic] = (topics[ch.topic] ?? 0) + 1;
  indexed++;
  if (first === null) first = m.logTime;
  if (sample === null && ch.topic === "/robot/step") sample = JSON.parse(new TextDecoder().decode(m.data));
  last = m.logTime;
}
await handle.close();
const stream = new McapStreamReader();
stream.append(await readFile(file));
let streamed = 0;
let schemas = [];
for (let r; (r = stream.nextRecord()); ) {
  if (r.type === "Message") streamed++;
  if (r.type === "Schema") schemas.push(r.name);
}
console.log(JSON.stringify({
  indexed, streamed, topics, schemas,
  chunks: reader.chunkIndexes.length,
  statistics: Number(reader.statistics.messageCount),
  first: first === null ? null : first.toString(), last: last === null ? null : last.toString(),
  sample,
}));

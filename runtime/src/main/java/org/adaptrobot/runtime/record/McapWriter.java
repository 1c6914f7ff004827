package org.adaptrobot.runtime.record;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32;

/**
 * Writes an MCAP file (format version 0, https://mcap.dev/spec): the data section in uncompressed
 * chunks, each followed by its message indexes, and a summary section (schemas, channels,
 * statistics, chunk indexes) with summary offsets, so that indexed readers (Foxglove, the mcap
 * libraries) seek by time and streaming readers read it front to back. Each chunk is flushed to the
 * file when it closes, so a process that dies loses at most the chunk being filled (and a file
 * without summary stays readable by a streaming reader up to there). One thread; not for the
 * control loop itself (a recorder thread drains the loop's ring into it).
 */
public final class McapWriter implements AutoCloseable {

  private static final byte[] MAGIC = {(byte) 0x89, 'M', 'C', 'A', 'P', '0', '\r', '\n'};
  private static final int HEADER = 0x01;
  private static final int FOOTER = 0x02;
  private static final int SCHEMA = 0x03;
  private static final int CHANNEL = 0x04;
  private static final int MESSAGE = 0x05;
  private static final int CHUNK = 0x06;
  private static final int MESSAGE_INDEX = 0x07;
  private static final int CHUNK_INDEX = 0x08;
  private static final int STATISTICS = 0x0B;
  private static final int SUMMARY_OFFSET = 0x0E;
  private static final int DATA_END = 0x0F;

  /** A channel's registration, kept for the summary. */
  private record Schema(int id, String name, String encoding, byte[] data) {}

  private record Channel(int id, int schemaId, String topic, String encoding) {}

  private record ChunkIndex(
      long start,
      long end,
      long offset,
      long length,
      Map<Integer, Long> indexOffsets,
      long indexLength,
      long size) {}

  private final OutputStream out;
  private long position;
  private final int chunkBytes;
  private final List<Schema> schemas = new ArrayList<>();
  private final List<Channel> channels = new ArrayList<>();
  private final List<ChunkIndex> chunkIndexes = new ArrayList<>();
  private final Map<Integer, Long> channelCounts = new TreeMap<>();
  private final Buffer chunk = new Buffer(1 << 16);
  private final Map<Integer, Buffer> chunkMessageIndex = new TreeMap<>();
  private long chunkStart = Long.MAX_VALUE;
  private long chunkEnd;
  private long messages;
  private long firstTime = Long.MAX_VALUE;
  private long lastTime;
  private final int[] sequence = new int[65536];
  private boolean closed;

  /** A growable little-endian byte buffer. */
  static final class Buffer {
    byte[] b;
    int n;

    Buffer(int capacity) {
      b = new byte[capacity];
    }

    void ensure(int more) {
      if (n + more > b.length) {
        b = java.util.Arrays.copyOf(b, Math.max(b.length * 2, n + more));
      }
    }

    Buffer u8(int v) {
      ensure(1);
      b[n++] = (byte) v;
      return this;
    }

    Buffer u16(int v) {
      ensure(2);
      b[n++] = (byte) v;
      b[n++] = (byte) (v >>> 8);
      return this;
    }

    Buffer u32(long v) {
      ensure(4);
      for (int i = 0; i < 4; i++) {
        b[n++] = (byte) (v >>> (8 * i));
      }
      return this;
    }

    Buffer u64(long v) {
      ensure(8);
      for (int i = 0; i < 8; i++) {
        b[n++] = (byte) (v >>> (8 * i));
      }
      return this;
    }

    Buffer bytes(byte[] d, int off, int len) {
      ensure(len);
      System.arraycopy(d, off, b, n, len);
      n += len;
      return this;
    }

    Buffer string(String s) {
      byte[] d = s.getBytes(StandardCharsets.UTF_8);
      u32(d.length);
      return bytes(d, 0, d.length);
    }

    void clear() {
      n = 0;
    }
  }

  /**
   * @param file created or replaced
   * @param profile the MCAP profile ("" for none)
   * @param chunkBytes a chunk is closed when its records pass this size
   */
  public McapWriter(Path file, String profile, int chunkBytes) throws IOException {
    this.out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16);
    this.chunkBytes = chunkBytes;
    raw(MAGIC, 0, MAGIC.length);
    Buffer h = new Buffer(64).string(profile).string("adaptrobot");
    record(HEADER, h);
  }

  /** Registers a schema; returns its id (from 1). */
  public int schema(String name, String encoding, String data) throws IOException {
    int id = schemas.size() + 1;
    Schema s = new Schema(id, name, encoding, data.getBytes(StandardCharsets.UTF_8));
    schemas.add(s);
    record(SCHEMA, schemaRecord(s));
    return id;
  }

  /** Registers a channel on a schema (0: none); returns its id (from 0). */
  public int channel(String topic, int schemaId, String messageEncoding) throws IOException {
    int id = channels.size();
    Channel c = new Channel(id, schemaId, topic, messageEncoding);
    channels.add(c);
    record(CHANNEL, channelRecord(c));
    channelCounts.put(id, 0L);
    return id;
  }

  private static Buffer schemaRecord(Schema s) {
    Buffer b = new Buffer(64 + s.data().length).u16(s.id()).string(s.name()).string(s.encoding());
    b.u32(s.data().length);
    return b.bytes(s.data(), 0, s.data().length);
  }

  private static Buffer channelRecord(Channel c) {
    return new Buffer(64)
        .u16(c.id())
        .u16(c.schemaId())
        .string(c.topic())
        .string(c.encoding())
        .u32(0); // metadata: an empty map
  }

  /** Appends one message (log and publish time in nanoseconds). */
  public void message(int channelId, long timeNanos, byte[] data, int length) throws IOException {
    Buffer idx = chunkMessageIndex.computeIfAbsent(channelId, k -> new Buffer(1024));
    idx.u64(timeNanos).u64(chunk.n);
    chunk.u8(MESSAGE).u64(2 + 4 + 8 + 8 + length);
    chunk.u16(channelId).u32(sequence[channelId]++ & 0xFFFFFFFFL).u64(timeNanos).u64(timeNanos);
    chunk.bytes(data, 0, length);
    chunkStart = Math.min(chunkStart, timeNanos);
    chunkEnd = Math.max(chunkEnd, timeNanos);
    firstTime = Math.min(firstTime, timeNanos);
    lastTime = Math.max(lastTime, timeNanos);
    messages++;
    channelCounts.merge(channelId, 1L, Long::sum);
    if (chunk.n >= chunkBytes) {
      flushChunk();
    }
  }

  private void flushChunk() throws IOException {
    if (chunk.n == 0) {
      return;
    }
    CRC32 crc = new CRC32();
    crc.update(chunk.b, 0, chunk.n);
    Buffer c =
        new Buffer(64)
            .u64(chunkStart)
            .u64(chunkEnd)
            .u64(chunk.n)
            .u32(crc.getValue())
            .string("")
            .u64(chunk.n);
    long chunkOffset = position;
    long chunkLength = 1 + 8 + c.n + chunk.n;
    raw(new byte[] {CHUNK}, 0, 1);
    raw(le64(c.n + chunk.n), 0, 8);
    raw(c.b, 0, c.n);
    raw(chunk.b, 0, chunk.n);
    Map<Integer, Long> offsets = new LinkedHashMap<>();
    long indexStart = position;
    for (var e : chunkMessageIndex.entrySet()) {
      offsets.put(e.getKey(), position);
      Buffer r = new Buffer(16 + e.getValue().n).u16(e.getKey()).u32(e.getValue().n);
      r.bytes(e.getValue().b, 0, e.getValue().n);
      record(MESSAGE_INDEX, r);
    }
    chunkIndexes.add(
        new ChunkIndex(
            chunkStart,
            chunkEnd,
            chunkOffset,
            chunkLength,
            offsets,
            position - indexStart,
            chunk.n));
    out.flush(); // a closed chunk reaches the file: a crash loses at most the open one
    chunk.clear();
    chunkMessageIndex.clear();
    chunkStart = Long.MAX_VALUE;
    chunkEnd = 0;
  }

  private static byte[] le64(long v) {
    byte[] b = new byte[8];
    for (int i = 0; i < 8; i++) {
      b[i] = (byte) (v >>> (8 * i));
    }
    return b;
  }

  private void raw(byte[] b, int off, int len) throws IOException {
    out.write(b, off, len);
    position += len;
  }

  private void record(int opcode, Buffer content) throws IOException {
    raw(new byte[] {(byte) opcode}, 0, 1);
    raw(le64(content.n), 0, 8);
    raw(content.b, 0, content.n);
  }

  /** Bytes written to the file so far (closed chunks and records; not the open chunk). */
  public long bytesWritten() {
    return position;
  }

  /** Messages written so far. */
  public long messages() {
    return messages;
  }

  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    try {
      flushChunk();
      record(DATA_END, new Buffer(4).u32(0));
      long summaryStart = position;
      List<long[]> groups = new ArrayList<>(); // opcode, start, length
      long g = position;
      for (Schema s : schemas) {
        record(SCHEMA, schemaRecord(s));
      }
      if (!schemas.isEmpty()) {
        groups.add(new long[] {SCHEMA, g, position - g});
      }
      g = position;
      for (Channel c : channels) {
        record(CHANNEL, channelRecord(c));
      }
      if (!channels.isEmpty()) {
        groups.add(new long[] {CHANNEL, g, position - g});
      }
      g = position;
      Buffer st =
          new Buffer(64)
              .u64(messages)
              .u16(schemas.size())
              .u32(channels.size())
              .u32(0)
              .u32(0)
              .u32(chunkIndexes.size())
              .u64(messages == 0 ? 0 : firstTime)
              .u64(lastTime);
      st.u32(channelCounts.size() * 10L);
      for (var e : channelCounts.entrySet()) {
        st.u16(e.getKey()).u64(e.getValue());
      }
      record(STATISTICS, st);
      groups.add(new long[] {STATISTICS, g, position - g});
      g = position;
      for (ChunkIndex ci : chunkIndexes) {
        Buffer r = new Buffer(96).u64(ci.start()).u64(ci.end()).u64(ci.offset()).u64(ci.length());
        r.u32(ci.indexOffsets().size() * 10L);
        for (var e : ci.indexOffsets().entrySet()) {
          r.u16(e.getKey()).u64(e.getValue());
        }
        r.u64(ci.indexLength()).string("").u64(ci.size()).u64(ci.size());
        record(CHUNK_INDEX, r);
      }
      if (!chunkIndexes.isEmpty()) {
        groups.add(new long[] {CHUNK_INDEX, g, position - g});
      }
      long summaryOffsetStart = position;
      for (long[] gr : groups) {
        record(SUMMARY_OFFSET, new Buffer(17).u8((int) gr[0]).u64(gr[1]).u64(gr[2]));
      }
      record(FOOTER, new Buffer(20).u64(summaryStart).u64(summaryOffsetStart).u32(0));
      raw(MAGIC, 0, MAGIC.length);
    } finally {
      out.close();
    }
  }
}

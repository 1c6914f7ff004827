package org.adaptrobot.runtime.record;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads the messages of an MCAP file in file order (what {@code robot replay} needs): records at
 * the top level and inside uncompressed chunks; the summary section is not needed and not read. A
 * file cut off mid-write is read up to its last complete record ({@link Result#truncated}). Every
 * problem names the file and the byte offset.
 */
public final class McapReader {

  private McapReader() {}

  /** One message. */
  public interface Visitor {
    void message(String topic, long logTimeNanos, byte[] data);
  }

  /** How the read ended. */
  public record Result(long messages, boolean truncated, String profile) {}

  private static final byte[] MAGIC = {(byte) 0x89, 'M', 'C', 'A', 'P', '0', '\r', '\n'};

  /** Reads {@code file}, calling {@code visitor} for every message. */
  public static Result read(Path file, Visitor visitor) throws IOException {
    byte[] all = Files.readAllBytes(file);
    if (all.length < MAGIC.length || !java.util.Arrays.equals(all, 0, 8, MAGIC, 0, 8)) {
      throw new IOException(file + ": not an MCAP file (no MCAP magic at the start)");
    }
    ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
    b.position(MAGIC.length);
    Map<Integer, String> topics = new HashMap<>();
    long[] count = {0};
    String[] profile = {""};
    boolean truncated = records(file, b, all.length, topics, visitor, count, profile, false);
    return new Result(count[0], truncated, profile[0]);
  }

  /** Reads records until {@code end}; true when the data stops mid-record. */
  private static boolean records(
      Path file,
      ByteBuffer b,
      int end,
      Map<Integer, String> topics,
      Visitor visitor,
      long[] count,
      String[] profile,
      boolean inChunk)
      throws IOException {
    while (b.position() < end) {
      int start = b.position();
      if (end - start < 9) {
        return true;
      }
      int op = b.get() & 0xFF;
      long len = b.getLong();
      if (len < 0 || len > end - b.position()) {
        if (inChunk) {
          throw new IOException(
              file + ": record at byte " + start + " in a chunk runs past the chunk's end");
        }
        return true;
      }
      int bodyEnd = b.position() + (int) len;
      try {
        switch (op) {
          case 0x01 -> profile[0] = string(b);
          case 0x02 -> {
            return false; // footer: the end of the file
          }
          case 0x04 -> {
            int id = b.getShort() & 0xFFFF;
            b.getShort(); // schema id
            topics.put(id, string(b));
          }
          case 0x05 -> {
            int channel = b.getShort() & 0xFFFF;
            b.getInt(); // sequence
            long logTime = b.getLong();
            b.getLong(); // publish time
            byte[] data = new byte[bodyEnd - b.position()];
            b.get(data);
            String topic = topics.get(channel);
            if (topic == null) {
              throw new IOException(
                  file + ": message at byte " + start + " on unknown channel " + channel);
            }
            visitor.message(topic, logTime, data);
            count[0]++;
          }
          case 0x06 -> {
            b.getLong(); // message start time
            b.getLong(); // message end time
            b.getLong(); // uncompressed size
            b.getInt(); // crc
            String compression = string(b);
            long recordsLength = b.getLong();
            if (!compression.isEmpty()) {
              throw new IOException(
                  file
                      + ": chunk at byte "
                      + start
                      + " is compressed with "
                      + compression
                      + "; this reader takes uncompressed chunks (what robot run --record writes)");
            }
            int chunkEnd = b.position() + (int) recordsLength;
            if (chunkEnd > bodyEnd) {
              throw new IOException(
                  file + ": chunk at byte " + start + " is longer than its record");
            }
            records(file, b, chunkEnd, topics, visitor, count, profile, true);
          }
          case 0x0F -> {
            return false; // data end: the summary follows
          }
          default -> {} // schemas, indexes, statistics, attachments: not needed here
        }
      } catch (java.nio.BufferUnderflowException e) {
        throw new IOException(
            file
                + ": record 0x"
                + Integer.toHexString(op)
                + " at byte "
                + start
                + " is shorter than its fields");
      }
      b.position(bodyEnd);
    }
    return false;
  }

  private static String string(ByteBuffer b) {
    int n = b.getInt();
    if (n < 0 || n > b.remaining()) {
      throw new java.nio.BufferUnderflowException();
    }
    byte[] s = new byte[n];
    b.get(s);
    return new String(s, StandardCharsets.UTF_8);
  }
}

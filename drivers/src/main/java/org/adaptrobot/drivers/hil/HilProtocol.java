package org.adaptrobot.drivers.hil;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import org.adaptrobot.drivers.hardware.RobotHardware;

/**
 * The hardware-in-the-loop wire protocol between the runtime on the Pi ({@link HilClient}) and the
 * simulator on the PC ({@code robot sim serve}), over one TCP connection.
 *
 * <p>Every frame, both ways, is {@code u32 length | u8 type | u32 seq | payload}, big-endian, where
 * {@code length} counts the bytes after itself (5 + payload, at most {@link #MAX_FRAME}). The
 * client opens with {@link #HELLO} ({@code u32 magic | u16 version | u8 mode | u64 period ns |
 * 32-byte SHA-256 of the hardware description}); the server answers {@link #HELLO_OK} ({@code u16
 * version | u64 simulated time ns}) or {@link #ERROR} ({@code u16 length | UTF-8 text}) and closes.
 *
 * <p>Requests with a reply ({@link #REPLY}: {@code u8 status | u16 length | data}, where data is
 * the bytes read, or the error text when the status is not {@link #OK}):
 *
 * <ul>
 *   <li>{@link #I2C_READ} {@code u8 bus | u8 address | u16 register (NO_REGISTER: read at the
 *       chip's pointer) | u16 length}
 *   <li>{@link #I2C_WRITE} {@code u8 bus | u8 address | u16 register (NO_REGISTER: the data is the
 *       whole transfer, its first byte the pointer) | u16 length | data}
 *   <li>{@link #GPIO_OPEN} {@code u8 kind (INPUT, OUTPUT, PWM) | u8 pin | u8 initial level}: the
 *       reply's data is the pin's level (inputs)
 *   <li>{@link #TRUTH} {@code u16 length | UTF-8 name}: the reply's data is an IEEE double
 *   <li>{@link #SET} {@code u16 length | UTF-8 parameter | f64 value}: a physics change
 *   <li>{@link #FAULT} {@code u16 length | UTF-8 device | u16 length | UTF-8 fault}: a device fault
 * </ul>
 *
 * Requests without a reply (the wire keeps their order): {@link #GPIO_WRITE} {@code u8 pin | u8
 * level}, {@link #PWM_SET} {@code u8 pin | u8 on | u32 frequency Hz | u32 duty %}, {@link #BYE}. In
 * lockstep mode {@link #ADVANCE} {@code u64 ns} advances the simulation and is answered by {@link
 * #ADVANCED} {@code u64 time ns | u32 n | n × (u8 pin | u8 level | u64 time ns)}: the input edges
 * that happened, in order. In real-time mode the simulator advances by its own clock and pushes
 * {@link #EDGES} (same body) as they happen.
 */
public final class HilProtocol {

  private HilProtocol() {}

  /** "ARH1". */
  public static final int MAGIC = 0x41524831;

  public static final int VERSION = 1;

  /** Largest frame either side accepts (length field), bytes. */
  public static final int MAX_FRAME = 1 << 20;

  public static final int HEADER = 9;

  public static final int HELLO = 0x01;
  public static final int I2C_READ = 0x10;
  public static final int I2C_WRITE = 0x11;
  public static final int GPIO_OPEN = 0x20;
  public static final int GPIO_WRITE = 0x21;
  public static final int PWM_SET = 0x22;
  public static final int ADVANCE = 0x30;
  public static final int TRUTH = 0x31;
  public static final int SET = 0x32;
  public static final int FAULT = 0x33;
  public static final int BYE = 0x3F;

  public static final int HELLO_OK = 0x81;
  public static final int ERROR = 0x8F;
  public static final int REPLY = 0x90;
  public static final int ADVANCED = 0xB0;
  public static final int EDGES = 0xB1;

  public static final int OK = 0;
  public static final int NACK = 1;
  public static final int IO_ERROR = 2;
  public static final int BAD_REQUEST = 3;

  public static final int MODE_LOCKSTEP = 0;
  public static final int MODE_REALTIME = 1;

  public static final int KIND_INPUT = 0;
  public static final int KIND_OUTPUT = 1;
  public static final int KIND_PWM = 2;

  public static final int NO_REGISTER = 0xFFFF;

  /** Bytes of one edge on the wire. */
  public static final int EDGE_BYTES = 10;

  /** The SHA-256 of a hardware description, as both sides compute it. */
  public static byte[] hardwareHash(RobotHardware hardware) {
    try {
      return MessageDigest.getInstance("SHA-256")
          .digest(hardware.toString().getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no SHA-256", e);
    }
  }

  /** The first bytes of a hash in hex, for messages. */
  public static String shortHash(byte[] hash) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < Math.min(6, hash.length); i++) {
      b.append(String.format("%02x", hash[i] & 0xFF));
    }
    return b.toString();
  }

  public static String typeName(int type) {
    return switch (type) {
      case HELLO -> "HELLO";
      case I2C_READ -> "I2C_READ";
      case I2C_WRITE -> "I2C_WRITE";
      case GPIO_OPEN -> "GPIO_OPEN";
      case GPIO_WRITE -> "GPIO_WRITE";
      case PWM_SET -> "PWM_SET";
      case ADVANCE -> "ADVANCE";
      case TRUTH -> "TRUTH";
      case SET -> "SET";
      case FAULT -> "FAULT";
      case BYE -> "BYE";
      case HELLO_OK -> "HELLO_OK";
      case ERROR -> "ERROR";
      case REPLY -> "REPLY";
      case ADVANCED -> "ADVANCED";
      case EDGES -> "EDGES";
      default -> String.format("unknown type 0x%02X", type);
    };
  }

  /** A frame that breaks the protocol. */
  public static final class ProtocolException extends IOException {
    public ProtocolException(String message) {
      super(message);
    }
  }

  /**
   * Reads frames into one reusable buffer (which grows up to {@link #MAX_FRAME}): after {@link
   * #next}, {@link #type}, {@link #seq}, {@link #payload} and {@link #length} describe the frame.
   */
  public static final class FrameReader {
    private final DataInputStream in;
    private byte[] payload = new byte[4096];
    private int type;
    private int seq;
    private int length;

    public FrameReader(DataInputStream in) {
      this.in = in;
    }

    /**
     * Reads the next frame.
     *
     * @throws EOFException when the stream ends cleanly between frames
     * @throws ProtocolException when the frame's length is impossible
     */
    public void next() throws IOException {
      int len = in.readInt();
      if (len < 5 || len > MAX_FRAME) {
        throw new ProtocolException(
            "frame length " + len + " is outside 5.." + MAX_FRAME + " (not this protocol?)");
      }
      type = in.readUnsignedByte();
      seq = in.readInt();
      length = len - 5;
      if (payload.length < length) {
        payload = new byte[Math.max(length, 2 * payload.length)];
      }
      in.readFully(payload, 0, length);
    }

    public int type() {
      return type;
    }

    public int seq() {
      return seq;
    }

    /** The payload's bytes, [0, length). */
    public byte[] payload() {
      return payload;
    }

    public int length() {
      return length;
    }
  }

  /** Reads big-endian fields from a payload, with bounds checks that name the frame. */
  public static final class Fields {
    private byte[] b;
    private int pos;
    private int end;
    private int type;

    public Fields of(int type, byte[] b, int length) {
      this.type = type;
      this.b = b;
      this.pos = 0;
      this.end = length;
      return this;
    }

    private void need(int n) throws ProtocolException {
      if (pos + n > end) {
        throw new ProtocolException(
            typeName(type)
                + " frame ends after "
                + end
                + " bytes; a field at byte "
                + pos
                + " needs "
                + n);
      }
    }

    public int u8() throws ProtocolException {
      need(1);
      return b[pos++] & 0xFF;
    }

    public int u16() throws ProtocolException {
      need(2);
      int v = ((b[pos] & 0xFF) << 8) | (b[pos + 1] & 0xFF);
      pos += 2;
      return v;
    }

    public int i32() throws ProtocolException {
      need(4);
      int v =
          ((b[pos] & 0xFF) << 24)
              | ((b[pos + 1] & 0xFF) << 16)
              | ((b[pos + 2] & 0xFF) << 8)
              | (b[pos + 3] & 0xFF);
      pos += 4;
      return v;
    }

    public long i64() throws ProtocolException {
      long hi = i32() & 0xFFFFFFFFL;
      long lo = i32() & 0xFFFFFFFFL;
      return (hi << 32) | lo;
    }

    /** Skips n bytes and returns where they start. */
    public int bytes(int n) throws ProtocolException {
      if (n < 0) {
        throw new ProtocolException(typeName(type) + " frame has a negative length " + n);
      }
      need(n);
      int at = pos;
      pos += n;
      return at;
    }

    public String text() throws ProtocolException {
      int n = u16();
      int at = bytes(n);
      return new String(b, at, n, StandardCharsets.UTF_8);
    }

    /** The payload array the fields are read from. */
    public byte[] array() {
      return b;
    }

    public int remaining() {
      return end - pos;
    }

    /** Fails unless every byte was read. */
    public void end() throws ProtocolException {
      if (pos != end) {
        throw new ProtocolException(
            typeName(type) + " frame has " + (end - pos) + " unexpected trailing bytes");
      }
    }
  }

  /** Writes a frame's fields big-endian into a reusable array (grows when needed). */
  public static final class FrameWriter {
    private byte[] b;
    private int pos;

    public FrameWriter(int capacity) {
      b = new byte[capacity];
    }

    /** Starts a frame; {@link #finish} fills in its length. */
    public FrameWriter start(int type, int seq) {
      pos = 4;
      u8(type);
      i32(seq);
      return this;
    }

    private void room(int n) {
      if (pos + n > b.length) {
        b = java.util.Arrays.copyOf(b, Math.max(pos + n, 2 * b.length));
      }
    }

    public FrameWriter u8(int v) {
      room(1);
      b[pos++] = (byte) v;
      return this;
    }

    public FrameWriter u16(int v) {
      room(2);
      b[pos++] = (byte) (v >>> 8);
      b[pos++] = (byte) v;
      return this;
    }

    public FrameWriter i32(int v) {
      room(4);
      b[pos++] = (byte) (v >>> 24);
      b[pos++] = (byte) (v >>> 16);
      b[pos++] = (byte) (v >>> 8);
      b[pos++] = (byte) v;
      return this;
    }

    public FrameWriter i64(long v) {
      i32((int) (v >>> 32));
      i32((int) v);
      return this;
    }

    public FrameWriter bytes(byte[] src, int off, int n) {
      room(n);
      System.arraycopy(src, off, b, pos, n);
      pos += n;
      return this;
    }

    /** A text of at most 65,535 UTF-8 bytes (longer is cut). */
    public FrameWriter text(String s) {
      byte[] t = s.getBytes(StandardCharsets.UTF_8);
      int n = Math.min(t.length, 0xFFFF);
      u16(n);
      return bytes(t, 0, n);
    }

    /** Fills in the length; returns the frame's size in bytes. */
    public int finish() {
      int len = pos - 4;
      b[0] = (byte) (len >>> 24);
      b[1] = (byte) (len >>> 16);
      b[2] = (byte) (len >>> 8);
      b[3] = (byte) len;
      return pos;
    }

    public byte[] array() {
      return b;
    }

    /** Bytes written so far (the frame's size once finished). */
    public int size() {
      return pos;
    }
  }
}

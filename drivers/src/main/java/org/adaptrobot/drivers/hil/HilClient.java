package org.adaptrobot.drivers.hil;

import com.pi4j.Pi4J;
import com.pi4j.context.Context;
import com.pi4j.io.exception.IOException;
import com.pi4j.io.gpio.digital.DigitalInput;
import com.pi4j.io.gpio.digital.DigitalInputBase;
import com.pi4j.io.gpio.digital.DigitalInputConfig;
import com.pi4j.io.gpio.digital.DigitalInputProviderBase;
import com.pi4j.io.gpio.digital.DigitalOutput;
import com.pi4j.io.gpio.digital.DigitalOutputBase;
import com.pi4j.io.gpio.digital.DigitalOutputConfig;
import com.pi4j.io.gpio.digital.DigitalOutputProviderBase;
import com.pi4j.io.gpio.digital.DigitalState;
import com.pi4j.io.gpio.digital.DigitalStateChangeEvent;
import com.pi4j.io.gpio.digital.DigitalStateChangeListener;
import com.pi4j.io.i2c.I2C;
import com.pi4j.io.i2c.I2CBase;
import com.pi4j.io.i2c.I2CBus;
import com.pi4j.io.i2c.I2CConfig;
import com.pi4j.io.i2c.I2CProvider;
import com.pi4j.io.i2c.I2CProviderBase;
import com.pi4j.io.pwm.Pwm;
import com.pi4j.io.pwm.PwmBase;
import com.pi4j.io.pwm.PwmConfig;
import com.pi4j.io.pwm.PwmProviderBase;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.Charset;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.adaptrobot.drivers.hardware.RobotHardware;
import org.adaptrobot.drivers.hardware.SimulatedHardware;

/**
 * The Pi's end of a hardware-in-the-loop link ({@link HilProtocol}): a normal Pi4J context whose
 * I2C, GPIO and PWM providers forward every transaction to the simulator on the PC, so the Pi's
 * drivers, loop, safety layer and adaptation run unchanged.
 *
 * <p>A request is written by the calling thread (the control loop) and its reply awaited up to the
 * time-out; a late or missing reply is a device I/O error, handled by the safety layer as on real
 * hardware. A reader thread takes every frame from the simulator: replies, and the input edges
 * (encoders, echo), which it replays into the input pins' listeners with their simulated times, as
 * Pi4J's event thread does on the Pi. A closed or broken connection, a protocol error or three
 * time-outs in a row lose the link: every later transaction fails at once with the reason, and the
 * {@linkplain #onLinkLost listener} is told (the runtime latches its e-stop with the reason).
 *
 * <p>In lockstep mode the simulation advances only when the loop's period ends ({@link #advance}),
 * and the clock is the simulator's; in real-time mode the simulator follows its own wall clock and
 * the Pi's clock paces the loop. A transaction allocates nothing.
 */
public final class HilClient implements SimulatedHardware {

  /** Time-outs in a row that, with the link silent for three periods, lose it. */
  public static final int TIMEOUTS_TO_LOSE_LINK = 3;

  private volatile long lastHeardNanos = System.nanoTime();

  private final String address;
  private final Socket socket;
  private final OutputStream out;
  private final DataInputStream in;
  private final boolean lockstep;
  private final long timeoutNanos;
  private volatile boolean armed;
  private final long advanceTimeoutNanos;
  private final long periodNanos;
  private final Context context;
  private final Thread reader;

  private final ReentrantLock lock = new ReentrantLock();
  private final HilProtocol.FrameWriter frame = new HilProtocol.FrameWriter(256);
  private int nextSeq = 1;

  // the reply slot: written by the reader for the pending request, read after replySeq matches
  private volatile int pendingSeq = -1;
  private volatile int replySeq = -1;
  private volatile Thread waiter;
  private int replyStatus;
  private int replyLength;
  private final byte[] replyData = new byte[HilProtocol.MAX_FRAME];
  private int consecutiveTimeouts;

  private volatile boolean dead;
  private volatile String deadReason;
  private volatile boolean closing;
  private final java.util.List<Consumer<String>> linkLostListeners =
      new java.util.concurrent.CopyOnWriteArrayList<>();

  private volatile long simNanos;
  private volatile long replayNanos;
  private final long realtimeOffsetNanos;
  private final HilInput[] inputs = new HilInput[64];

  // statistics
  /** Replies by round trip: bucket k counts [2^k, 2^(k+1)) µs, bucket 0 below 2 µs. */
  private final long[] latencyBuckets = new long[24];

  private volatile long requests;
  private volatile long timeouts;
  private volatile long lateReplies;
  private volatile long edges;

  private final LongSupplier clock =
      () -> {
        if (Thread.currentThread() == readerThread()) {
          return replayNanos;
        }
        return lockstepClock() ? simNanos : System.nanoTime();
      };

  private Thread readerThread() {
    return reader;
  }

  private boolean lockstepClock() {
    return lockstep;
  }

  /** How a link is set up. */
  public record Options(boolean lockstep, long periodNanos, long timeoutNanos) {
    public Options {
      if (periodNanos <= 0 || timeoutNanos <= 0) {
        throw new IllegalArgumentException("period and time-out must be positive");
      }
    }
  }

  private HilClient(
      String address,
      Socket socket,
      DataInputStream in,
      Options options,
      long simNanosAtHello,
      long realtimeOffsetNanos) {
    this.address = address;
    this.socket = socket;
    try {
      this.out = socket.getOutputStream();
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
    this.in = in;
    this.lockstep = options.lockstep();
    this.timeoutNanos = options.timeoutNanos();
    this.advanceTimeoutNanos = Math.max(2_000_000_000L, options.timeoutNanos());
    this.periodNanos = options.periodNanos();
    this.simNanos = simNanosAtHello;
    this.replayNanos = simNanosAtHello;
    this.realtimeOffsetNanos = realtimeOffsetNanos;
    this.reader = new Thread(this::readFrames, "hil-link-reader");
    reader.setDaemon(true);
    this.context = buildContext();
    reader.start();
  }

  /**
   * Connects to {@code robot sim serve} at {@code tcp://HOST:PORT} and says hello.
   *
   * @throws HilException when the address is malformed, nothing answers there, or the simulator
   *     refuses the hello (another protocol version, another hardware description)
   */
  public static HilClient connect(String uri, RobotHardware hardware, Options options) {
    InetSocketAddress target = parse(uri);
    String address = "tcp://" + target.getHostString() + ":" + target.getPort();
    Socket socket = new Socket();
    try {
      socket.setTcpNoDelay(true);
      socket.connect(target, 5000);
    } catch (java.io.IOException e) {
      closeQuietly(socket);
      throw new HilException(
          "HIL link "
              + address
              + ": cannot connect ("
              + e.getMessage()
              + "); is 'robot sim serve --listen' running there?");
    }
    try {
      socket.setSoTimeout(5000);
      DataInputStream in =
          new DataInputStream(new BufferedInputStream(socket.getInputStream(), 1 << 16));
      byte[] hash = HilProtocol.hardwareHash(hardware);
      HilProtocol.FrameWriter w = new HilProtocol.FrameWriter(64);
      w.start(HilProtocol.HELLO, 0)
          .i32(HilProtocol.MAGIC)
          .u16(HilProtocol.VERSION)
          .u8(options.lockstep() ? HilProtocol.MODE_LOCKSTEP : HilProtocol.MODE_REALTIME)
          .i64(options.periodNanos())
          .bytes(hash, 0, hash.length);
      int n = w.finish();
      long sent = System.nanoTime();
      socket.getOutputStream().write(w.array(), 0, n);
      HilProtocol.FrameReader r = new HilProtocol.FrameReader(in);
      try {
        r.next();
      } catch (java.net.SocketTimeoutException e) {
        throw new HilException(
            "HIL link " + address + ": no answer to hello within 5 s (is this the simulator?)");
      }
      long received = System.nanoTime();
      HilProtocol.Fields f = new HilProtocol.Fields().of(r.type(), r.payload(), r.length());
      if (r.type() == HilProtocol.ERROR) {
        throw new HilException(
            "HIL link " + address + ": the simulator refused the connection: " + f.text());
      }
      if (r.type() != HilProtocol.HELLO_OK) {
        throw new HilException(
            "HIL link "
                + address
                + ": expected HELLO_OK, got "
                + HilProtocol.typeName(r.type())
                + " (not this protocol?)");
      }
      int version = f.u16();
      long simNow = f.i64();
      if (version != HilProtocol.VERSION) {
        throw new HilException(
            "HIL link "
                + address
                + ": the simulator speaks protocol version "
                + version
                + ", this runtime "
                + HilProtocol.VERSION);
      }
      socket.setSoTimeout(0);
      // real time: the simulator's time 0 is the moment it answered, about half a round trip ago
      long offset = (sent + received) / 2 - simNow;
      return new HilClient(address, socket, in, options, simNow, offset);
    } catch (HilException e) {
      closeQuietly(socket);
      throw e;
    } catch (java.io.IOException e) {
      closeQuietly(socket);
      throw new HilException("HIL link " + address + ": hello failed (" + e.getMessage() + ")");
    }
  }

  /** Parses {@code tcp://HOST:PORT}. */
  public static InetSocketAddress parse(String uri) {
    String form = "expected tcp://HOST:PORT (e.g. tcp://192.168.1.20:7450), got '" + uri + "'";
    if (uri == null || !uri.startsWith("tcp://")) {
      throw new HilException("--hil: " + form);
    }
    String rest = uri.substring("tcp://".length());
    int colon = rest.lastIndexOf(':');
    if (colon <= 0 || colon == rest.length() - 1) {
      throw new HilException("--hil: " + form);
    }
    String host = rest.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(rest.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new HilException("--hil: " + form);
    }
    if (port < 1 || port > 65535) {
      throw new HilException("--hil: port " + port + " is outside 1..65535; " + form);
    }
    return new InetSocketAddress(host, port);
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (java.io.IOException ignored) {
      // nothing left to do
    }
  }

  /** {@code tcp://HOST:PORT}. */
  public String address() {
    return address;
  }

  public boolean lockstep() {
    return lockstep;
  }

  /**
   * Adds a listener called once, with the reason, when the link is lost (on the thread that found
   * it; at once when it is already lost).
   */
  public synchronized void onLinkLost(Consumer<String> listener) {
    linkLostListeners.add(listener);
    String why = deadReason;
    if (dead && why != null && !closing) {
      listener.accept(why);
    }
  }

  /** Whether the link is still up. */
  public boolean alive() {
    return !dead;
  }

  /** Why the link was lost, or null. */
  public String lostReason() {
    return deadReason;
  }

  public long requests() {
    return requests;
  }

  public long timeouts() {
    return timeouts;
  }

  public long lateReplies() {
    return lateReplies;
  }

  public long edgesReceived() {
    return edges;
  }

  // ---------------------------------------------------------------- SimulatedHardware

  @Override
  public Context context() {
    return context;
  }

  @Override
  public LongSupplier clock() {
    return clock;
  }

  /**
   * Lockstep: asks the simulator to advance by one period and replays the input edges it reports. A
   * lost link makes this wait one period of wall time instead, so a loop in its safe state does not
   * spin.
   */
  @Override
  public void advance(double seconds) {
    long ns = Math.round(seconds * 1e9);
    if (dead) {
      LockSupport.parkNanos(periodNanos);
      return;
    }
    lock.lock();
    try {
      int seq = begin(HilProtocol.ADVANCE);
      frame.i64(ns);
      prepareWait(seq);
      send();
      if (!await(seq, advanceTimeoutNanos)) {
        lose(
            "the simulator did not answer ADVANCE within "
                + advanceTimeoutNanos / 1_000_000
                + " ms");
      }
    } catch (IOException e) {
      // the link is lost (the listener has the reason); the loop goes on in its safe state
      LockSupport.parkNanos(periodNanos);
    } finally {
      lock.unlock();
    }
  }

  /** Sets a physics parameter of the simulated robot on the PC (a scripted change). */
  @Override
  public void set(String parameter, double value) {
    lock.lock();
    try {
      int seq = begin(HilProtocol.SET);
      frame.text(parameter).i64(Double.doubleToRawLongBits(value));
      prepareWait(seq);
      send();
      awaitOrFail(seq, "SET " + parameter);
      if (replyStatus != HilProtocol.OK) {
        throw new IllegalArgumentException(replyText());
      }
    } finally {
      lock.unlock();
    }
  }

  /** Injects a fault into a simulated device on the PC. */
  @Override
  public void fault(String device, String fault) {
    lock.lock();
    try {
      int seq = begin(HilProtocol.FAULT);
      frame.text(device).text(fault);
      prepareWait(seq);
      send();
      awaitOrFail(seq, "FAULT " + device);
      if (replyStatus != HilProtocol.OK) {
        throw new IllegalArgumentException(replyText());
      }
    } finally {
      lock.unlock();
    }
  }

  @Override
  public double truth(String quantity) {
    lock.lock();
    try {
      int seq = begin(HilProtocol.TRUTH);
      frame.text(quantity);
      prepareWait(seq);
      send();
      awaitOrFail(seq, "TRUTH " + quantity);
      if (replyStatus != HilProtocol.OK) {
        throw new IllegalArgumentException(replyText());
      }
      long bits = 0;
      for (int i = 0; i < 8; i++) {
        bits = (bits << 8) | (replyData[i] & 0xFF);
      }
      return Double.longBitsToDouble(bits);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void close() {
    if (closing) {
      return;
    }
    try {
      context.shutdown(); // outputs to their shutdown levels, through the link while it is up
    } catch (RuntimeException ignored) {
      // a dead link: nothing reaches the simulator anyway
    }
    closing = true;
    if (!dead) {
      lock.lock();
      try {
        begin(HilProtocol.BYE);
        send();
      } catch (IOException ignored) {
        // closing anyway
      } finally {
        lock.unlock();
      }
    }
    closeQuietly(socket);
    try {
      reader.join(1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---------------------------------------------------------------- requests

  private int begin(int type) {
    if (dead) {
      throw new IOException(deadReason);
    }
    if (Thread.currentThread() == reader && type != HilProtocol.BYE) {
      // an input-edge listener runs on the reader thread, which must stay free to deliver the
      // reply that the requesting thread (holding the lock) is waiting for
      throw new IOException(
          "HIL link "
              + address
              + ": a device transaction from an input-edge listener is not possible over the link;"
              + " make it from the control loop");
    }
    int seq = nextSeq++;
    if (nextSeq == Integer.MAX_VALUE) {
      nextSeq = 1;
    }
    frame.start(type, seq);
    return seq;
  }

  private void send() {
    int n = frame.finish();
    try {
      out.write(frame.array(), 0, n);
      requests++;
    } catch (java.io.IOException e) {
      lose("sending failed (" + e.getMessage() + ")");
      throw new IOException(deadReason);
    }
  }

  /**
   * The round trip below which {@code fraction} of the replies so far came (an upper bound: the
   * power of two above), µs.
   */
  public synchronized double roundTripPercentileMicros(double fraction) {
    long total = 0;
    for (long c : latencyBuckets) {
      total += c;
    }
    long need = (long) Math.ceil(fraction * total);
    long seen = 0;
    for (int k = 0; k < latencyBuckets.length; k++) {
      seen += latencyBuckets[k];
      if (seen >= need && total > 0) {
        return Math.pow(2, k + 1);
      }
    }
    return Double.NaN;
  }

  /** Replies that took longer than {@code micros}. */
  public synchronized long repliesSlowerThan(double micros) {
    long n = 0;
    for (int k = 0; k < latencyBuckets.length; k++) {
      if (Math.pow(2, k) >= micros) {
        n += latencyBuckets[k];
      }
    }
    return n;
  }

  /** Waits for the reply to {@code seq}; false on time-out. Allocates nothing. */
  private boolean await(int seq, long timeout) {
    long started = System.nanoTime();
    long deadline = started + timeout;
    long spinUntil = started + 30_000;
    while (replySeq != seq) {
      if (dead) {
        throw new IOException(deadReason);
      }
      long now = System.nanoTime();
      if (now >= deadline) {
        pendingSeq = -1;
        return false;
      }
      if (now < spinUntil) {
        Thread.onSpinWait();
      } else {
        LockSupport.parkNanos(Math.min(deadline - now, 50_000));
      }
    }
    pendingSeq = -1;
    consecutiveTimeouts = 0;
    long micros = (System.nanoTime() - started) / 1000;
    int k =
        micros < 2
            ? 0
            : Math.min(latencyBuckets.length - 1, 63 - Long.numberOfLeadingZeros(micros));
    synchronized (this) {
      latencyBuckets[k]++;
    }
    return true;
  }

  /**
   * From now on a reply later than the time-out is an I/O error; before (while the devices are set
   * up, the simulator's first transactions are slow) the limit is 2 s.
   */
  public void arm() {
    armed = true;
  }

  private void awaitOrFail(int seq, String what) {
    long limit = armed ? timeoutNanos : Math.max(timeoutNanos, 2_000_000_000L);
    if (!await(seq, limit)) {
      timeouts++;
      consecutiveTimeouts++;
      long silent = System.nanoTime() - lastHeardNanos;
      if (consecutiveTimeouts >= TIMEOUTS_TO_LOSE_LINK && silent > 3 * periodNanos) {
        lose(
            String.format(
                java.util.Locale.ROOT,
                "no reply to %d requests in a row (time-out %.1f ms) and nothing heard for %.1f ms",
                consecutiveTimeouts,
                limit / 1e6,
                silent / 1e6));
        throw new IOException(deadReason);
      }
      throw new IOException(
          "HIL link " + address + ": no reply to " + what + " within " + limit / 1000 + " µs");
    }
  }

  private void prepareWait(int seq) {
    waiter = Thread.currentThread();
    pendingSeq = seq;
  }

  private String replyText() {
    return new String(replyData, 0, replyLength, java.nio.charset.StandardCharsets.UTF_8);
  }

  private void i2cFailed() {
    if (replyStatus != HilProtocol.OK) {
      throw new IOException(replyText());
    }
  }

  int i2cRead(int bus, int device, int register, byte[] buffer, int offset, int length) {
    lock.lock();
    try {
      int seq = begin(HilProtocol.I2C_READ);
      frame.u8(bus).u8(device).u16(register).u16(length);
      prepareWait(seq);
      send();
      awaitOrFail(seq, "I2C read");
      i2cFailed();
      int n = Math.min(length, replyLength);
      System.arraycopy(replyData, 0, buffer, offset, n);
      return n;
    } finally {
      lock.unlock();
    }
  }

  int i2cWrite(int bus, int device, int register, byte[] data, int offset, int length) {
    lock.lock();
    try {
      int seq = begin(HilProtocol.I2C_WRITE);
      frame.u8(bus).u8(device).u16(register).u16(length).bytes(data, offset, length);
      prepareWait(seq);
      send();
      awaitOrFail(seq, "I2C write");
      i2cFailed();
      return length;
    } finally {
      lock.unlock();
    }
  }

  private int open(int kind, int pin, int initial) {
    lock.lock();
    try {
      int seq = begin(HilProtocol.GPIO_OPEN);
      frame.u8(kind).u8(pin).u8(initial);
      prepareWait(seq);
      send();
      awaitOrFail(seq, "opening GPIO " + pin);
      if (replyStatus != HilProtocol.OK) {
        throw new IOException(replyText());
      }
      return replyLength > 0 ? replyData[0] : 0;
    } finally {
      lock.unlock();
    }
  }

  void gpioWrite(int pin, boolean high) {
    if (closing && dead) {
      return;
    }
    lock.lock();
    try {
      begin(HilProtocol.GPIO_WRITE);
      frame.u8(pin).u8(high ? 1 : 0);
      send();
    } finally {
      lock.unlock();
    }
  }

  void pwmSet(int pin, boolean on, int frequency, int duty) {
    if (closing && dead) {
      return;
    }
    lock.lock();
    try {
      begin(HilProtocol.PWM_SET);
      frame.u8(pin).u8(on ? 1 : 0).i32(frequency).i32(duty);
      send();
    } finally {
      lock.unlock();
    }
  }

  // ---------------------------------------------------------------- the reader thread

  private void lose(String why) {
    synchronized (this) {
      if (dead) {
        return;
      }
      deadReason = "HIL link " + address + " lost: " + why;
      dead = true;
    }
    closeQuietly(socket);
    Thread w = waiter;
    if (w != null) {
      LockSupport.unpark(w);
    }
    if (!closing) {
      for (Consumer<String> l : linkLostListeners) {
        try {
          l.accept(deadReason);
        } catch (RuntimeException ignored) {
          // the listener's problem; the link is lost either way
        }
      }
    }
  }

  private void readFrames() {
    HilProtocol.FrameReader r = new HilProtocol.FrameReader(in);
    HilProtocol.Fields f = new HilProtocol.Fields();
    try {
      while (true) {
        r.next();
        lastHeardNanos = System.nanoTime();
        f.of(r.type(), r.payload(), r.length());
        switch (r.type()) {
          case HilProtocol.REPLY -> reply(r.seq(), f);
          case HilProtocol.ADVANCED -> advanced(r.seq(), f);
          case HilProtocol.EDGES -> replayEdges(f, realtimeOffsetNanos);
          case HilProtocol.ERROR -> {
            lose("the simulator reported: " + f.text());
            return;
          }
          default ->
              throw new HilProtocol.ProtocolException(
                  "unexpected " + HilProtocol.typeName(r.type()) + " frame from the simulator");
        }
      }
    } catch (EOFException e) {
      lose(closing ? "closed" : "the simulator closed the connection");
    } catch (HilProtocol.ProtocolException e) {
      lose("protocol error: " + e.getMessage());
    } catch (java.io.IOException e) {
      lose(closing ? "closed" : "connection broken (" + e.getMessage() + ")");
    } catch (RuntimeException e) {
      lose("a reply could not be applied (" + e + ")");
    }
  }

  private void reply(int seq, HilProtocol.Fields f) throws HilProtocol.ProtocolException {
    int status = f.u8();
    int n = f.u16();
    int at = f.bytes(n);
    f.end();
    if (seq != pendingSeq) {
      lateReplies++;
      return;
    }
    replyStatus = status;
    replyLength = n;
    System.arraycopy(f.array(), at, replyData, 0, n);
    replySeq = seq;
    Thread w = waiter;
    if (w != null) {
      LockSupport.unpark(w);
    }
  }

  private void advanced(int seq, HilProtocol.Fields f) throws HilProtocol.ProtocolException {
    long time = f.i64();
    replayEdges(f, 0);
    simNanos = time;
    replayNanos = time;
    if (seq == pendingSeq) {
      replySeq = seq;
      Thread w = waiter;
      if (w != null) {
        LockSupport.unpark(w);
      }
    } else {
      lateReplies++;
    }
  }

  private void replayEdges(HilProtocol.Fields f, long offset) throws HilProtocol.ProtocolException {
    int n = f.i32();
    if (n < 0 || (long) n * HilProtocol.EDGE_BYTES != f.remaining()) {
      throw new HilProtocol.ProtocolException(
          "edge list says " + n + " edges but carries " + f.remaining() + " bytes");
    }
    for (int i = 0; i < n; i++) {
      int pin = f.u8();
      int level = f.u8();
      long t = f.i64();
      HilInput input = pin < inputs.length ? inputs[pin] : null;
      if (input == null) {
        continue; // an edge on a pin this side never opened
      }
      replayNanos = t + offset;
      input.drive(level != 0 ? DigitalState.HIGH : DigitalState.LOW);
      edges++;
    }
  }

  // ---------------------------------------------------------------- Pi4J providers

  private Context buildContext() {
    HilClient link = this;
    I2CProviderBase i2c =
        new I2CProviderBase("hil-i2c", "I2C over the HIL link") {
          @Override
          public int getPriority() {
            return 1000;
          }

          @Override
          public I2C create(I2CConfig config) {
            return new HilI2c(this, config, link);
          }
        };
    DigitalInputProviderBase din =
        new DigitalInputProviderBase("hil-digital-input", "GPIO input over the HIL link") {
          @Override
          public int getPriority() {
            return 1000;
          }

          @Override
          public DigitalInput create(DigitalInputConfig config) {
            int pin = config.address();
            if (pin < 0 || pin >= inputs.length) {
              throw new IOException("GPIO " + pin + " is outside 0.." + (inputs.length - 1));
            }
            HilInput input = new HilInput(this, config);
            int level = open(HilProtocol.KIND_INPUT, pin, 0);
            input.level = level != 0 ? DigitalState.HIGH : DigitalState.LOW;
            inputs[pin] = input;
            return input;
          }
        };
    DigitalOutputProviderBase dout =
        new DigitalOutputProviderBase("hil-digital-output", "GPIO output over the HIL link") {
          @Override
          public int getPriority() {
            return 1000;
          }

          @Override
          public DigitalOutput create(DigitalOutputConfig config) {
            DigitalState initial = config.initialState();
            open(HilProtocol.KIND_OUTPUT, config.address(), initial == DigitalState.HIGH ? 1 : 0);
            return new HilOutput(this, config, link);
          }
        };
    PwmProviderBase pwm =
        new PwmProviderBase("hil-pwm", "Hardware PWM over the HIL link") {
          @Override
          public int getPriority() {
            return 1000;
          }

          @Override
          public Pwm create(PwmConfig config) {
            open(HilProtocol.KIND_PWM, config.address(), 0);
            return new HilPwm(this, config, link);
          }
        };
    return Pi4J.newContextBuilder().noAutoDetect().add(i2c, din, dout, pwm).build();
  }

  /** Transfers on the link run in the caller's thread. */
  private static final class DirectBus implements I2CBus {
    @Override
    public <R> R execute(I2C i2c, Callable<R> action) {
      try {
        return action.call();
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new IOException(e.getMessage());
      }
    }
  }

  private static final class HilI2c extends I2CBase<DirectBus> {
    private final HilClient link;
    private final byte[] one = new byte[1];

    HilI2c(I2CProvider provider, I2CConfig config, HilClient link) {
      super(provider, config, new DirectBus());
      this.link = link;
    }

    private int busNumber() {
      return config.bus();
    }

    private int dev() {
      return config.device();
    }

    @Override
    public int read() {
      link.i2cRead(busNumber(), dev(), HilProtocol.NO_REGISTER, one, 0, 1);
      return one[0] & 0xFF;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) {
      return link.i2cRead(busNumber(), dev(), HilProtocol.NO_REGISTER, buffer, offset, length);
    }

    @Override
    public String readString(Charset charset, int length) {
      byte[] b = new byte[length];
      read(b, 0, length);
      return new String(b, charset);
    }

    @Override
    public int write(byte b) {
      one[0] = b;
      return link.i2cWrite(busNumber(), dev(), HilProtocol.NO_REGISTER, one, 0, 1);
    }

    @Override
    public int write(byte[] data, int offset, int length) {
      if (length == 0) {
        return 0;
      }
      return link.i2cWrite(busNumber(), dev(), HilProtocol.NO_REGISTER, data, offset, length);
    }

    @Override
    public int write(Charset charset, CharSequence data) {
      byte[] b = data.toString().getBytes(charset);
      return write(b, 0, b.length);
    }

    @Override
    public int writeRegister(int register, byte b) {
      one[0] = b;
      return link.i2cWrite(busNumber(), dev(), register & 0xFF, one, 0, 1);
    }

    @Override
    public int writeRegister(int register, byte[] data, int offset, int length) {
      return link.i2cWrite(busNumber(), dev(), register & 0xFF, data, offset, length);
    }

    @Override
    public int writeRegister(byte[] register, byte[] data, int offset, int length) {
      return writeRegister(register[0] & 0xFF, data, offset, length);
    }

    @Override
    public int writeRegister(int register, Charset charset, CharSequence data) {
      byte[] b = data.toString().getBytes(charset);
      return writeRegister(register, b, 0, b.length);
    }

    @Override
    public int readRegister(int register) {
      link.i2cRead(busNumber(), dev(), register & 0xFF, one, 0, 1);
      return one[0] & 0xFF;
    }

    @Override
    public int readRegister(byte[] register, byte[] buffer, int offset, int length) {
      return readRegister(register[0] & 0xFF, buffer, offset, length);
    }

    @Override
    public int readRegister(int register, byte[] buffer, int offset, int length) {
      return link.i2cRead(busNumber(), dev(), register & 0xFF, buffer, offset, length);
    }

    @Override
    public String readRegisterString(int register, Charset charset, int length) {
      byte[] b = new byte[length];
      readRegister(register, b, 0, length);
      return new String(b, charset);
    }
  }

  /** An input pin whose edges the reader thread replays from the simulator. */
  private static final class HilInput extends DigitalInputBase {
    volatile DigitalState level = DigitalState.LOW;

    @SuppressWarnings("rawtypes")
    private final DigitalStateChangeEvent high;

    @SuppressWarnings("rawtypes")
    private final DigitalStateChangeEvent low;

    private volatile DigitalStateChangeListener[] listeners = new DigitalStateChangeListener[0];

    @SuppressWarnings({"unchecked", "rawtypes"})
    HilInput(DigitalInputProviderBase provider, DigitalInputConfig config) {
      super(provider, config);
      high = new DigitalStateChangeEvent(this, DigitalState.HIGH);
      low = new DigitalStateChangeEvent(this, DigitalState.LOW);
    }

    @Override
    public DigitalState state() {
      return level;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    void drive(DigitalState next) {
      if (next == level) {
        return;
      }
      level = next;
      DigitalStateChangeEvent event = next == DigitalState.HIGH ? high : low;
      for (DigitalStateChangeListener l : listeners) {
        l.onDigitalStateChange(event);
      }
    }

    @Override
    public synchronized DigitalInput addListener(DigitalStateChangeListener... added) {
      DigitalStateChangeListener[] next =
          java.util.Arrays.copyOf(listeners, listeners.length + added.length);
      System.arraycopy(added, 0, next, listeners.length, added.length);
      listeners = next;
      return this;
    }

    @Override
    public synchronized DigitalInput removeListener(DigitalStateChangeListener... removed) {
      java.util.List<DigitalStateChangeListener> keep =
          new java.util.ArrayList<>(java.util.List.of(listeners));
      keep.removeAll(java.util.List.of(removed));
      listeners = keep.toArray(new DigitalStateChangeListener[0]);
      return this;
    }

    @Override
    public boolean hasListenersOrBindings() {
      return listeners.length > 0;
    }
  }

  /** An output pin whose every level change goes to the simulator. */
  private static final class HilOutput extends DigitalOutputBase {
    private final HilClient link;

    HilOutput(DigitalOutputProviderBase provider, DigitalOutputConfig config, HilClient link) {
      super(provider, config);
      this.link = link;
    }

    @Override
    public DigitalOutput state(DigitalState state) {
      link.gpioWrite(config.address(), state == DigitalState.HIGH);
      return super.state(state);
    }
  }

  /** A hardware-PWM pin whose duty and on/off state go to the simulator. */
  private static final class HilPwm extends PwmBase {
    private final HilClient link;

    HilPwm(PwmProviderBase provider, PwmConfig config, HilClient link) {
      super(provider, config);
      this.link = link;
    }

    private void forward() {
      Integer d = dutyCycle;
      link.pwmSet(config.address(), onState, frequency, d == null ? 0 : d);
    }

    @Override
    public Pwm on() {
      onState = true;
      forward();
      return this;
    }

    @Override
    public Pwm off() {
      onState = false;
      forward();
      return this;
    }

    @Override
    public void setDutyCycle(Integer duty) {
      dutyCycle = duty;
      forward();
    }

    @Override
    public void setFrequency(int hz) {
      frequency = hz;
      forward();
    }
  }
}

package org.adaptrobot.sim.hil;

import com.pi4j.context.Context;
import com.pi4j.io.gpio.digital.DigitalInput;
import com.pi4j.io.gpio.digital.DigitalOutput;
import com.pi4j.io.gpio.digital.DigitalState;
import com.pi4j.io.pwm.Pwm;
import com.pi4j.io.pwm.PwmType;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.DoubleConsumer;
import java.util.function.Function;
import org.adaptrobot.drivers.hardware.RobotHardware;
import org.adaptrobot.drivers.hardware.SimulatedHardware;
import org.adaptrobot.drivers.hil.HilProtocol;
import org.adaptrobot.sim.pi4j.SimulatedPi;
import org.adaptrobot.sim.sil.SilHardwareProvider;
import org.adaptrobot.sim.sil.SilRobot;

/**
 * The PC's end of the hardware-in-the-loop link ({@code robot sim serve}): it hosts the
 * register-level twins and the physics of the robot ({@link SilRobot}, built exactly as {@code
 * robot run --sim} builds it for the same seed) and answers the Pi's transactions ({@link
 * HilProtocol}).
 *
 * <p>One runtime at a time: each connection that passes the hello (same protocol version, same
 * hardware description hash) gets a fresh robot; a second runtime is refused while one is served.
 * In lockstep mode the simulation advances only on the Pi's {@code ADVANCE}; in real-time mode it
 * follows this machine's clock in 1 ms ticks, pushes input edges as they happen and reports when it
 * falls behind. Link faults (delay and jitter each way, loss of requests, disconnect) are applied
 * here, at simulated times, from the scenario. A malformed frame is answered with an error and
 * never stops the server.
 */
public final class HilServer implements AutoCloseable {

  /** Ticks of the real-time simulation. */
  public static final long TICK_NANOS = 1_000_000L;

  private final RobotHardware hardware;
  private final byte[] hash;
  private final long seed;
  private final ServerSocket server;
  private final PrintStream log;
  private final Function<Session, DoubleConsumer> scenario;
  private final AtomicReference<Session> active = new AtomicReference<>();
  private volatile boolean closed;
  private volatile int sessions;

  /**
   * @param scenario for each new session, what to call with the simulated time (s) before each
   *     advance (scripted changes, device and link faults), or null
   */
  public HilServer(
      RobotHardware hardware,
      long seed,
      InetSocketAddress listen,
      Function<Session, DoubleConsumer> scenario,
      PrintStream log)
      throws IOException {
    this.hardware = hardware;
    this.hash = HilProtocol.hardwareHash(hardware);
    this.seed = seed;
    this.scenario = scenario;
    this.log = log;
    warmUp(hardware, seed);
    this.server = new ServerSocket();
    server.setReuseAddress(true);
    server.bind(listen, 4);
  }

  /**
   * Runs a throwaway robot for a few simulated seconds so that the first session's transactions are
   * not slowed by class loading and compilation (the Pi would see them as late replies).
   */
  private static void warmUp(RobotHardware hardware, long seed) {
    try (SilHardwareProvider.Adapter sim = SilHardwareProvider.robot(hardware, seed)) {
      Context ctx = sim.robot().pi().context();
      ctx.create(DigitalOutput.newConfigBuilder(ctx).id("warm-out").address(60).build()).high();
      ctx.create(DigitalInput.newConfigBuilder(ctx).id("warm-in").address(61).build());
      for (int i = 0; i < 500; i++) {
        sim.advance(0.01);
      }
    }
  }

  /** Where the server listens (with the real port when 0 was asked for). */
  public InetSocketAddress address() {
    return (InetSocketAddress) server.getLocalSocketAddress();
  }

  /** The hardware description's hash, as the hello must carry it. */
  public byte[] hardwareHash() {
    return hash.clone();
  }

  /** Sessions that passed the hello so far. */
  public int sessions() {
    return sessions;
  }

  /**
   * Accepts runtimes until closed (or, with {@code once}, until the first session that passed the
   * hello ends).
   */
  public void serve(boolean once) throws IOException {
    while (!closed) {
      Socket s;
      try {
        s = server.accept();
      } catch (IOException e) {
        if (closed) {
          return;
        }
        throw e;
      }
      Session busy = active.get();
      // a session that is ending (or a refused hello being answered) frees the place soon
      for (int i = 0; i < 100 && busy != null; i++) {
        try {
          Thread.sleep(10);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
        busy = active.get();
      }
      if (busy != null) {
        refuse(s, "busy: this simulator already serves the runtime at " + busy.peer);
        continue;
      }
      Session session = new Session(s);
      if (!active.compareAndSet(null, session)) {
        refuse(s, "busy: this simulator already serves another runtime");
        continue;
      }
      Thread t =
          new Thread(
              () -> {
                try {
                  session.run();
                } finally {
                  active.set(null);
                }
              },
              "hil-session");
      t.start();
      if (once) {
        try {
          t.join();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        if (session.helloPassed) {
          return;
        }
      }
    }
  }

  private void refuse(Socket s, String why) {
    try (s) {
      HilProtocol.FrameWriter w = new HilProtocol.FrameWriter(256);
      w.start(HilProtocol.ERROR, 0).text(why);
      s.getOutputStream().write(w.array(), 0, w.finish());
      log.println("refused " + s.getRemoteSocketAddress() + ": " + why);
    } catch (IOException ignored) {
      // the other side went away first
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException ignored) {
      // closing
    }
    Session s = active.get();
    if (s != null) {
      s.disconnect("the simulator is shutting down");
    }
  }

  // ---------------------------------------------------------------- one runtime's session

  private record Frame(int type, int seq, byte[] payload, long arrivedNanos, String closed) {}

  private record Outgoing(byte[] bytes, long dueNanos) {}

  /** One connected runtime: its robot, its link faults, its transactions. */
  public final class Session {
    private final Socket socket;
    private final String peer;
    private volatile boolean helloPassed;
    private SilHardwareProvider.Adapter sim;
    private SilRobot robot;
    private SimulatedPi pi;
    private boolean lockstep;
    private long periodNanos;
    private OutputStream out;
    private final HilProtocol.FrameWriter w = new HilProtocol.FrameWriter(4096);
    private final HilProtocol.Fields f = new HilProtocol.Fields();
    private final BlockingQueue<Frame> inbox = new LinkedBlockingQueue<>();
    private final ArrayDeque<Frame> delayedIn = new ArrayDeque<>();
    private final ArrayDeque<Outgoing> delayedOut = new ArrayDeque<>();
    private final DigitalInput[] inputs = new DigitalInput[64];
    private final DigitalOutput[] outputs = new DigitalOutput[64];
    private final Pwm[] pwms = new Pwm[64];
    private final byte[] data = new byte[HilProtocol.MAX_FRAME];
    private byte[] edgePins = new byte[256];
    private byte[] edgeLevels = new byte[256];
    private long[] edgeTimes = new long[256];
    private int edgeCount;
    private DoubleConsumer timeline;

    // link faults, set from the scenario (simulation thread only)
    private long delayNanos;
    private long jitterNanos;
    private double loss;
    private final Random faults;
    private long lastInDue;
    private long lastOutDue;
    private volatile String disconnectReason;

    // figures
    private long requests;
    private long dropped;
    private long behindTicks;
    private long worstBehindNanos;
    private long lastBehindReport;

    Session(Socket socket) {
      this.socket = socket;
      this.peer = String.valueOf(socket.getRemoteSocketAddress());
      this.faults = new Random(seed ^ 0x5EED1E55L);
    }

    /** The simulated robot of this session (parameters, faults, ground truth). */
    public SimulatedHardware simulation() {
      return sim;
    }

    /**
     * Link faults from now on: extra one-way delay and uniform jitter (each way), and the
     * probability of losing a request (the Pi sees no reply: a device I/O error).
     */
    public void link(double delaySeconds, double jitterSeconds, double lossProbability) {
      delayNanos = Math.round(delaySeconds * 1e9);
      jitterNanos = Math.round(jitterSeconds * 1e9);
      loss = lossProbability;
      log.printf(
          "link faults at t = %.3f s: delay %.3f ms, jitter %.3f ms, loss %.3f%n",
          simSeconds(), delaySeconds * 1e3, jitterSeconds * 1e3, lossProbability);
    }

    /** Drops the connection (a pulled cable or a crashed simulator, as the Pi sees it). */
    public void disconnect(String reason) {
      disconnectReason = reason;
      try {
        socket.close();
      } catch (IOException ignored) {
        // already closed
      }
    }

    private double simSeconds() {
      return robot == null ? 0 : robot.clock().nowNanos() * 1e-9;
    }

    void run() {
      String end = "closed";
      try {
        socket.setTcpNoDelay(true);
        DataInputStream in =
            new DataInputStream(new BufferedInputStream(socket.getInputStream(), 1 << 16));
        out = new BufferedOutputStream(socket.getOutputStream(), 1 << 16);
        socket.setSoTimeout(5000);
        HilProtocol.FrameReader r = new HilProtocol.FrameReader(in);
        try {
          r.next();
        } catch (SocketTimeoutException e) {
          log.println("refused " + peer + ": no hello within 5 s");
          return;
        }
        String problem = hello(r);
        if (problem != null) {
          sendError(problem);
          log.println("refused " + peer + ": " + problem);
          return;
        }
        socket.setSoTimeout(0);
        helloPassed = true;
        sessions++;
        log.printf(
            "session %d from %s: %s, period %.3f ms, seed %d%n",
            sessions, peer, lockstep ? "lockstep" : "real time", periodNanos / 1e6, seed);
        Thread reader = new Thread(() -> readFrames(r), "hil-session-reader");
        reader.setDaemon(true);
        reader.start();
        end = loop();
      } catch (IOException e) {
        end = disconnectReason != null ? disconnectReason : "connection error: " + e.getMessage();
      } catch (RuntimeException e) {
        end = "simulator error: " + e;
        sendErrorQuietly("simulator error: " + e);
      } finally {
        try {
          socket.close();
        } catch (IOException ignored) {
          // closing
        }
        if (sim != null) {
          log.printf(
              "session ended (%s): %d requests, %d dropped, %.3f s simulated%s%n",
              end,
              requests,
              dropped,
              simSeconds(),
              behindTicks > 0
                  ? String.format(
                      ", fell behind real time in %d ticks (worst %.1f ms)",
                      behindTicks, worstBehindNanos / 1e6)
                  : "");
          sim.close();
        }
      }
    }

    private String hello(HilProtocol.FrameReader r) {
      if (r.type() != HilProtocol.HELLO) {
        return "expected HELLO, got " + HilProtocol.typeName(r.type());
      }
      try {
        f.of(r.type(), r.payload(), r.length());
        int magic = f.i32();
        if (magic != HilProtocol.MAGIC) {
          return String.format("bad magic 0x%08X (not an adaptrobot HIL client?)", magic);
        }
        int version = f.u16();
        if (version != HilProtocol.VERSION) {
          return "protocol version "
              + version
              + " is not this simulator's "
              + HilProtocol.VERSION
              + "; run the same release on the Pi and the PC";
        }
        int mode = f.u8();
        if (mode != HilProtocol.MODE_LOCKSTEP && mode != HilProtocol.MODE_REALTIME) {
          return "unknown mode " + mode;
        }
        long period = f.i64();
        if (period <= 0 || period > 10_000_000_000L) {
          return "control period " + period + " ns is out of range";
        }
        int at = f.bytes(32);
        f.end();
        byte[] theirs = Arrays.copyOfRange(r.payload(), at, at + 32);
        if (!Arrays.equals(theirs, hash)) {
          return "hardware description differs: the runtime's hash is "
              + HilProtocol.shortHash(theirs)
              + "…, this simulator's "
              + HilProtocol.shortHash(hash)
              + "… (give robot sim serve the same hardware: section as the robot's config)";
        }
        lockstep = mode == HilProtocol.MODE_LOCKSTEP;
        periodNanos = period;
      } catch (HilProtocol.ProtocolException e) {
        return "malformed HELLO: " + e.getMessage();
      }
      sim = SilHardwareProvider.robot(hardware, seed);
      robot = sim.robot();
      pi = robot.pi();
      timeline = scenario == null ? null : scenario.apply(this);
      w.start(HilProtocol.HELLO_OK, 0).u16(HilProtocol.VERSION).i64(robot.clock().nowNanos());
      try {
        writeNow(w.array(), w.finish());
      } catch (IOException e) {
        return "cannot answer the hello: " + e.getMessage();
      }
      return null;
    }

    private void readFrames(HilProtocol.FrameReader r) {
      try {
        while (true) {
          r.next();
          byte[] p = Arrays.copyOf(r.payload(), r.length());
          inbox.put(new Frame(r.type(), r.seq(), p, System.nanoTime(), null));
        }
      } catch (EOFException e) {
        inbox.add(new Frame(0, 0, null, 0, "the runtime closed the connection"));
      } catch (HilProtocol.ProtocolException e) {
        inbox.add(new Frame(-1, 0, null, 0, "protocol error: " + e.getMessage()));
      } catch (IOException e) {
        inbox.add(new Frame(0, 0, null, 0, "connection broken (" + e.getMessage() + ")"));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    /** The simulation thread: requests in arrival order, ticks in real time, delayed frames. */
    private String loop() throws IOException {
      long start = System.nanoTime();
      long nextTick = start + TICK_NANOS;
      while (true) {
        if (disconnectReason != null) {
          return disconnectReason;
        }
        long now = System.nanoTime();
        long wake = Long.MAX_VALUE;
        if (!lockstep) {
          wake = nextTick;
        }
        if (!delayedIn.isEmpty()) {
          wake = Math.min(wake, delayedIn.peekFirst().arrivedNanos());
        }
        if (!delayedOut.isEmpty()) {
          wake = Math.min(wake, delayedOut.peekFirst().dueNanos());
        }
        Frame next;
        try {
          if (wake == Long.MAX_VALUE) {
            next = inbox.poll(1, TimeUnit.SECONDS);
          } else {
            next = wake > now ? inbox.poll(wake - now, TimeUnit.NANOSECONDS) : inbox.poll();
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return "interrupted";
        }
        if (next != null) {
          if (next.closed() != null) {
            if (next.type() < 0) {
              sendErrorQuietly(next.closed());
            }
            return disconnectReason != null ? disconnectReason : next.closed();
          }
          if (delayNanos > 0 || jitterNanos > 0) {
            long due = Math.max(lastInDue, next.arrivedNanos() + delayNanos + jitter());
            lastInDue = due;
            delayedIn.addLast(new Frame(next.type(), next.seq(), next.payload(), due, null));
          } else if (!handle(next)) {
            return "the runtime said goodbye";
          }
        }
        now = System.nanoTime();
        while (!delayedIn.isEmpty() && delayedIn.peekFirst().arrivedNanos() <= now) {
          if (!handle(delayedIn.pollFirst())) {
            return "the runtime said goodbye";
          }
        }
        while (!delayedOut.isEmpty() && delayedOut.peekFirst().dueNanos() <= now) {
          Outgoing o = delayedOut.pollFirst();
          out.write(o.bytes());
        }
        out.flush();
        if (!lockstep && now >= nextTick) {
          tick(now - start, now - nextTick);
          out.flush();
          nextTick += TICK_NANOS;
          if (nextTick <= now) {
            nextTick = now + TICK_NANOS; // skip missed ticks: the next advance covers them
          }
        }
      }
    }

    private long jitter() {
      return jitterNanos > 0 ? (long) (faults.nextDouble() * jitterNanos) : 0;
    }

    private void tick(long wallNanos, long lateNanos) throws IOException {
      long simNow = robot.clock().nowNanos();
      if (wallNanos > simNow) {
        if (timeline != null) {
          timeline.accept(simNow * 1e-9);
        }
        sim.advance((wallNanos - simNow) * 1e-9);
      }
      if (lateNanos > 5_000_000L) {
        behindTicks++;
        worstBehindNanos = Math.max(worstBehindNanos, lateNanos);
        long now = System.nanoTime();
        if (now - lastBehindReport > 1_000_000_000L) {
          lastBehindReport = now;
          log.printf(
              "the simulation cannot keep up with real time: a tick ran %.1f ms late at t = %.3f"
                  + " s%n",
              lateNanos / 1e6, simSeconds());
        }
      }
      if (edgeCount > 0) {
        w.start(HilProtocol.EDGES, 0);
        putEdges();
        send();
      }
    }

    private void putEdges() {
      w.i32(edgeCount);
      for (int i = 0; i < edgeCount; i++) {
        w.u8(edgePins[i]).u8(edgeLevels[i]).i64(edgeTimes[i]);
      }
      edgeCount = 0;
    }

    /** Handles one request; false on goodbye. */
    private boolean handle(Frame fr) throws IOException {
      requests++;
      if (fr.type() != HilProtocol.BYE && loss > 0 && faults.nextDouble() < loss) {
        dropped++;
        return true;
      }
      f.of(fr.type(), fr.payload(), fr.payload().length);
      try {
        switch (fr.type()) {
          case HilProtocol.I2C_READ -> i2cRead(fr.seq());
          case HilProtocol.I2C_WRITE -> i2cWrite(fr.seq());
          case HilProtocol.GPIO_OPEN -> open(fr.seq());
          case HilProtocol.GPIO_WRITE -> gpioWrite();
          case HilProtocol.PWM_SET -> pwmSet();
          case HilProtocol.ADVANCE -> advance(fr.seq());
          case HilProtocol.TRUTH -> truth(fr.seq());
          case HilProtocol.SET -> change(fr.seq(), true);
          case HilProtocol.FAULT -> change(fr.seq(), false);
          case HilProtocol.BYE -> {
            return false;
          }
          default -> {
            String why =
                "unexpected "
                    + HilProtocol.typeName(fr.type())
                    + " frame from the runtime; closing the session";
            sendErrorQuietly(why);
            disconnect(why);
          }
        }
      } catch (HilProtocol.ProtocolException e) {
        reply(fr.seq(), HilProtocol.BAD_REQUEST, e.getMessage());
      }
      return true;
    }

    private void i2cRead(int seq) throws IOException {
      int bus = f.u8();
      int address = f.u8();
      int register = f.u16();
      int length = f.u16();
      f.end();
      if (length > 4096) {
        reply(seq, HilProtocol.BAD_REQUEST, "I2C read of " + length + " bytes (at most 4096)");
        return;
      }
      try {
        int n =
            pi.i2cRead(
                bus, address, register == HilProtocol.NO_REGISTER ? -1 : register, data, 0, length);
        w.start(HilProtocol.REPLY, seq).u8(HilProtocol.OK).u16(n).bytes(data, 0, n);
        send();
      } catch (RuntimeException e) {
        busError(seq, e);
      }
    }

    private void i2cWrite(int seq) throws IOException {
      int bus = f.u8();
      int address = f.u8();
      int register = f.u16();
      int length = f.u16();
      int at = f.bytes(length);
      f.end();
      try {
        pi.i2cWrite(
            bus,
            address,
            register == HilProtocol.NO_REGISTER ? -1 : register,
            f.array(),
            at,
            length);
        reply(seq, HilProtocol.OK, null);
      } catch (RuntimeException e) {
        busError(seq, e);
      }
    }

    private void busError(int seq, RuntimeException e) throws IOException {
      String m = String.valueOf(e.getMessage());
      reply(
          seq,
          m.contains("no acknowledge") ? HilProtocol.NACK : HilProtocol.IO_ERROR,
          m + " (simulated)");
    }

    private void open(int seq) throws IOException {
      int kind = f.u8();
      int pin = f.u8();
      int initial = f.u8();
      f.end();
      if (pin >= inputs.length) {
        reply(seq, HilProtocol.BAD_REQUEST, "GPIO " + pin + " is outside 0..63");
        return;
      }
      Context ctx = pi.context();
      int level = 0;
      try {
        switch (kind) {
          case HilProtocol.KIND_INPUT -> {
            if (inputs[pin] == null) {
              DigitalInput din =
                  ctx.create(
                      DigitalInput.newConfigBuilder(ctx).id("hil-in-" + pin).address(pin).build());
              final byte p = (byte) pin;
              din.addListener(e -> edge(p, e.state() == DigitalState.HIGH));
              inputs[pin] = din;
            }
            level = inputs[pin].state() == DigitalState.HIGH ? 1 : 0;
          }
          case HilProtocol.KIND_OUTPUT -> {
            if (outputs[pin] == null) {
              outputs[pin] =
                  ctx.create(
                      DigitalOutput.newConfigBuilder(ctx)
                          .id("hil-out-" + pin)
                          .address(pin)
                          .initial(initial != 0 ? DigitalState.HIGH : DigitalState.LOW)
                          .build());
            }
          }
          case HilProtocol.KIND_PWM -> {
            if (pwms[pin] == null) {
              pwms[pin] =
                  ctx.create(
                      Pwm.newConfigBuilder(ctx)
                          .id("hil-pwm-" + pin)
                          .address(pin)
                          .pwmType(PwmType.HARDWARE)
                          .build());
            }
          }
          default -> {
            reply(seq, HilProtocol.BAD_REQUEST, "unknown pin kind " + kind);
            return;
          }
        }
      } catch (RuntimeException e) {
        reply(seq, HilProtocol.IO_ERROR, "cannot open GPIO " + pin + ": " + e.getMessage());
        return;
      }
      w.start(HilProtocol.REPLY, seq).u8(HilProtocol.OK).u16(1).u8(level);
      send();
    }

    private void edge(byte pin, boolean high) {
      if (edgeCount == edgePins.length) {
        int n = 2 * edgeCount;
        edgePins = Arrays.copyOf(edgePins, n);
        edgeLevels = Arrays.copyOf(edgeLevels, n);
        edgeTimes = Arrays.copyOf(edgeTimes, n);
      }
      edgePins[edgeCount] = pin;
      edgeLevels[edgeCount] = (byte) (high ? 1 : 0);
      edgeTimes[edgeCount] = robot.clock().nowNanos();
      edgeCount++;
    }

    private void gpioWrite() throws HilProtocol.ProtocolException {
      int pin = f.u8();
      int level = f.u8();
      f.end();
      DigitalOutput o = pin < outputs.length ? outputs[pin] : null;
      if (o != null) {
        o.state(level != 0 ? DigitalState.HIGH : DigitalState.LOW);
      }
    }

    private void pwmSet() throws HilProtocol.ProtocolException {
      int pin = f.u8();
      int on = f.u8();
      int frequency = f.i32();
      int duty = f.i32();
      f.end();
      Pwm p = pin < pwms.length ? pwms[pin] : null;
      if (p != null) {
        if (frequency > 0) {
          p.setFrequency(frequency);
        }
        p.setDutyCycle(Math.max(0, Math.min(100, duty)));
        if (on != 0) {
          p.on();
        } else {
          p.off();
        }
      }
    }

    private void advance(int seq) throws IOException {
      long ns = f.i64();
      f.end();
      if (!lockstep) {
        reply(seq, HilProtocol.BAD_REQUEST, "ADVANCE in a real-time session");
        return;
      }
      if (ns < 0 || ns > 10_000_000_000L) {
        reply(seq, HilProtocol.BAD_REQUEST, "ADVANCE by " + ns + " ns is out of range");
        return;
      }
      if (timeline != null) {
        timeline.accept(simSeconds());
      }
      sim.advance(ns * 1e-9);
      w.start(HilProtocol.ADVANCED, seq).i64(robot.clock().nowNanos());
      putEdges();
      send();
    }

    /** A physics change or a device fault asked for by the runtime's side. */
    private void change(int seq, boolean parameter) throws IOException {
      String name = f.text();
      double value = parameter ? Double.longBitsToDouble(f.i64()) : Double.NaN;
      String fault = parameter ? null : f.text();
      f.end();
      try {
        if (parameter) {
          sim.set(name, value);
        } else {
          sim.fault(name, fault);
        }
        log.printf(
            "t = %.3f s: %s%n",
            simSeconds(),
            parameter ? "set " + name + " = " + value : "fault " + name + ": " + fault);
        reply(seq, HilProtocol.OK, null);
      } catch (IllegalArgumentException e) {
        reply(seq, HilProtocol.BAD_REQUEST, e.getMessage());
      }
    }

    private void truth(int seq) throws IOException {
      String name = f.text();
      f.end();
      try {
        long bits = Double.doubleToRawLongBits(sim.truth(name));
        w.start(HilProtocol.REPLY, seq).u8(HilProtocol.OK).u16(8).i64(bits);
        send();
      } catch (IllegalArgumentException e) {
        reply(seq, HilProtocol.BAD_REQUEST, e.getMessage());
      }
    }

    private void reply(int seq, int status, String text) throws IOException {
      w.start(HilProtocol.REPLY, seq).u8(status);
      if (text == null) {
        w.u16(0);
      } else {
        w.text(text);
      }
      send();
    }

    /** Sends the frame in {@code w}, now or after the link's delay. */
    private void send() throws IOException {
      int n = w.finish();
      if (delayNanos > 0 || jitterNanos > 0 || !delayedOut.isEmpty()) {
        long due = Math.max(lastOutDue, System.nanoTime() + delayNanos + jitter());
        lastOutDue = due;
        delayedOut.addLast(new Outgoing(Arrays.copyOf(w.array(), n), due));
      } else {
        out.write(w.array(), 0, n);
      }
    }

    private void writeNow(byte[] b, int n) throws IOException {
      out.write(b, 0, n);
      out.flush();
    }

    private void sendError(String why) throws IOException {
      HilProtocol.FrameWriter e = new HilProtocol.FrameWriter(256);
      e.start(HilProtocol.ERROR, 0).text(why);
      writeNow(e.array(), e.finish());
    }

    private void sendErrorQuietly(String why) {
      try {
        sendError(why);
      } catch (IOException ignored) {
        // the link is going anyway
      }
    }
  }
}

package org.adaptrobot.demo.hil;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.DataInputStream;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.adaptrobot.drivers.hardware.RobotHardware;
import org.adaptrobot.drivers.hil.HilClient;
import org.adaptrobot.drivers.hil.HilProtocol;
import org.adaptrobot.runtime.config.RuntimeConfig;
import org.junit.jupiter.api.Test;

/** Malformed frames, both ways: neither side crashes, both say what was wrong. */
class HilFuzzTest {

  private static final int[] TYPES = {
    HilProtocol.HELLO,
    HilProtocol.I2C_READ,
    HilProtocol.I2C_WRITE,
    HilProtocol.GPIO_OPEN,
    HilProtocol.GPIO_WRITE,
    HilProtocol.PWM_SET,
    HilProtocol.ADVANCE,
    HilProtocol.TRUTH,
    HilProtocol.REPLY,
    HilProtocol.ADVANCED,
    HilProtocol.EDGES,
    HilProtocol.ERROR,
    0x00,
    0x7F,
    0xFF
  };

  static byte[] hello(RobotHardware hw) {
    byte[] hash = HilProtocol.hardwareHash(hw);
    var w = new HilProtocol.FrameWriter(64);
    w.start(HilProtocol.HELLO, 0)
        .i32(HilProtocol.MAGIC)
        .u16(HilProtocol.VERSION)
        .u8(HilProtocol.MODE_LOCKSTEP)
        .i64(10_000_000)
        .bytes(hash, 0, hash.length);
    int n = w.finish();
    return java.util.Arrays.copyOf(w.array(), n);
  }

  /** A frame of a random type with a random payload, or a frame whose length field lies. */
  static byte[] garbage(Random r) {
    int kind = r.nextInt(4);
    if (kind == 0) {
      byte[] b = new byte[r.nextInt(64)];
      r.nextBytes(b);
      return b;
    }
    var w = new HilProtocol.FrameWriter(64);
    w.start(TYPES[r.nextInt(TYPES.length)], r.nextInt());
    int n = r.nextInt(kind == 3 ? 4 : 40);
    for (int i = 0; i < n; i++) {
      w.u8(r.nextInt(256));
    }
    int size = w.finish();
    byte[] b = java.util.Arrays.copyOf(w.array(), size);
    if (kind == 2) {
      int lie = r.nextBoolean() ? r.nextInt(5) : HilProtocol.MAX_FRAME + 1 + r.nextInt(1000);
      b[0] = (byte) (lie >>> 24);
      b[1] = (byte) (lie >>> 16);
      b[2] = (byte) (lie >>> 8);
      b[3] = (byte) lie;
    }
    return b;
  }

  @Test
  void theSimulatorSurvivesMalformedFramesAndStillServesARuntime() throws Exception {
    RuntimeConfig cfg = RuntimeConfig.load(Path.of(SimServer.CONFIG));
    byte[] hello = hello(cfg.hardware());
    Random r = new Random(20);
    try (SimServer server = SimServer.start()) {
      int answered = 0;
      for (int c = 0; c < 120; c++) {
        try (Socket s = new Socket("127.0.0.1", server.port)) {
          s.setSoTimeout(3000);
          var out = s.getOutputStream();
          if (c % 3 != 0) {
            out.write(hello);
          }
          for (int f = 0; f < 12; f++) {
            out.write(garbage(r));
          }
          out.flush();
          s.shutdownOutput();
          InputStream in = s.getInputStream();
          if (in.readAllBytes().length > 0) {
            answered++; // errors, refusals, replies with a status
          }
        } catch (java.net.SocketException e) {
          // the server may reset a connection it closed on a protocol error: not a crash
        }
      }
      assertThat(answered).isGreaterThan(60);
      assertThat(server.process.isAlive()).isTrue();
      assertThat(server.log).noneMatch(l -> l.contains("Exception in thread"));
      var run =
          HilLoopbackTest.robot(
              "run",
              "--config",
              SimServer.CONFIG,
              "--hil",
              server.uri(),
              "--lockstep",
              "--seconds",
              "1",
              "--velocity",
              "0.2,0");
      assertThat(run.exit()).as(run.err()).isZero();
      assertThat(server.log)
          .anyMatch(l -> l.contains("malformed") || l.contains("protocol error"))
          .anyMatch(l -> l.contains("bad magic") || l.contains("expected HELLO"));
    }
  }

  @Test
  void theRuntimesLinkSurvivesMalformedFramesAndSaysWhatWasWrong() throws Exception {
    RuntimeConfig cfg = RuntimeConfig.load(Path.of(SimServer.CONFIG));
    List<Throwable> uncaught = new CopyOnWriteArrayList<>();
    Thread.UncaughtExceptionHandler before = Thread.getDefaultUncaughtExceptionHandler();
    Thread.setDefaultUncaughtExceptionHandler((t, e) -> uncaught.add(e));
    Random r = new Random(21);
    int lost = 0;
    try (ServerSocket fake = new ServerSocket(0, 4, java.net.InetAddress.getLoopbackAddress())) {
      for (int c = 0; c < 60; c++) {
        Thread peer =
            new Thread(
                () -> {
                  try (Socket s = fake.accept()) {
                    DataInputStream in = new DataInputStream(s.getInputStream());
                    var reader = new HilProtocol.FrameReader(in);
                    reader.next(); // the hello
                    var w = new HilProtocol.FrameWriter(64);
                    w.start(HilProtocol.HELLO_OK, 0).u16(HilProtocol.VERSION).i64(0);
                    var out = s.getOutputStream();
                    out.write(w.array(), 0, w.finish());
                    for (int f = 0; f < 6; f++) {
                      out.write(garbage(r));
                    }
                    out.flush();
                    Thread.sleep(400);
                  } catch (Exception ignored) {
                    // the client hung up
                  }
                });
        peer.start();
        HilClient link =
            HilClient.connect(
                "tcp://127.0.0.1:" + fake.getLocalPort(),
                cfg.hardware(),
                new HilClient.Options(false, 10_000_000, 50_000_000));
        link.arm();
        try {
          // whatever the garbage did, a transaction ends with an error, never a hang or a crash
          assertThatThrownBy(() -> link.truth("forward_speed"))
              .isInstanceOfAny(
                  com.pi4j.io.exception.IOException.class, IllegalArgumentException.class);
          Thread.sleep(50);
          if (!link.alive()) {
            lost++;
            assertThat(link.lostReason()).startsWith("HIL link tcp://127.0.0.1:");
          }
        } finally {
          link.close();
          peer.join(2000);
        }
      }
    } finally {
      Thread.setDefaultUncaughtExceptionHandler(before);
    }
    assertThat(uncaught).isEmpty();
    assertThat(lost).isGreaterThan(30);
  }
}

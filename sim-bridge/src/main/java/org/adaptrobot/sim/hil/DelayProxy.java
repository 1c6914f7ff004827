package org.adaptrobot.sim.hil;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.locks.LockSupport;

/**
 * A TCP proxy that adds a fixed one-way delay to every byte in both directions, like {@code tc
 * qdisc ... netem delay} on a link, for measuring the hardware-in-the-loop link when netem is not
 * available. Bytes keep their order; each chunk read is released {@code delay} after it arrived.
 */
public final class DelayProxy implements AutoCloseable {

  private final ServerSocket server;
  private final InetSocketAddress target;
  private final long delayNanos;
  private volatile boolean closed;
  private final Thread acceptor;

  public DelayProxy(InetSocketAddress target, double delaySeconds) throws IOException {
    this.target = target;
    this.delayNanos = Math.round(delaySeconds * 1e9);
    this.server = new ServerSocket(0, 4, java.net.InetAddress.getLoopbackAddress());
    this.acceptor = new Thread(this::accept, "delay-proxy");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** Where to connect instead of the target. */
  public InetSocketAddress address() {
    return (InetSocketAddress) server.getLocalSocketAddress();
  }

  private void accept() {
    while (!closed) {
      try {
        Socket a = server.accept();
        Socket b = new Socket();
        b.setTcpNoDelay(true);
        a.setTcpNoDelay(true);
        b.connect(target, 5000);
        pipe(a, b);
        pipe(b, a);
      } catch (IOException e) {
        if (closed) {
          return;
        }
      }
    }
  }

  private record Chunk(byte[] data, long due) {}

  private void pipe(Socket from, Socket to) throws IOException {
    LinkedBlockingQueue<Chunk> queue = new LinkedBlockingQueue<>();
    InputStream in = from.getInputStream();
    OutputStream out = to.getOutputStream();
    Chunk end = new Chunk(null, 0);
    Thread reader =
        new Thread(
            () -> {
              byte[] buf = new byte[1 << 16];
              try {
                int n;
                while ((n = in.read(buf)) > 0) {
                  queue.add(new Chunk(Arrays.copyOf(buf, n), System.nanoTime() + delayNanos));
                }
              } catch (IOException ignored) {
                // the connection ended
              }
              queue.add(end);
            },
            "delay-proxy-in");
    Thread writer =
        new Thread(
            () -> {
              try {
                while (true) {
                  Chunk c = queue.take();
                  if (c == end) {
                    break;
                  }
                  long wait;
                  while ((wait = c.due() - System.nanoTime()) > 0) {
                    if (wait > 100_000) {
                      LockSupport.parkNanos(wait - 50_000);
                    } else {
                      Thread.onSpinWait();
                    }
                  }
                  out.write(c.data());
                  out.flush();
                }
              } catch (IOException | InterruptedException ignored) {
                // the connection ended
              }
              try {
                to.shutdownOutput();
              } catch (IOException ignored) {
                // already closed
              }
            },
            "delay-proxy-out");
    reader.setDaemon(true);
    writer.setDaemon(true);
    reader.start();
    writer.start();
  }

  @Override
  public void close() throws IOException {
    closed = true;
    server.close();
  }
}

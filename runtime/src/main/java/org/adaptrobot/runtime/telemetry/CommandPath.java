package org.adaptrobot.runtime.telemetry;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.adaptrobot.models.bundle.BundleException;
import org.adaptrobot.runtime.agents.FallbackAgent;

/**
 * The way a remote command takes to the robot, built so that nothing can delay an e-stop:
 *
 * <ul>
 *   <li>{@code estop} and {@code reset_estop} are handled at once on the thread that receives them
 *       (Paho's callback thread, which does nothing else that waits), never behind another command;
 *   <li>every other command waits in a bounded queue for the {@linkplain #worker command worker} (a
 *       full queue is answered "busy" at once);
 *   <li>{@code load_bundle}, once its path has passed the checks, goes on to the {@linkplain
 *       #loader bundle loader}, one at a time, with a time limit: a load that takes longer is
 *       answered "timed out" and its result, if it ever comes, is thrown away; while such a load is
 *       stuck (a file that blocks its reader), further loads are refused, and all other commands
 *       carry on.
 * </ul>
 */
public final class CommandPath {

  /** Where replies and events go (the telemetry publisher). */
  public interface Sink {
    /** Sends {@code reply} to whoever asked ({@code replyTo}: the sink's own token). */
    void reply(Object replyTo, CommandHandler.Reply reply);

    /** Publishes an event (any thread; never blocks). */
    void event(Map<String, Object> event);
  }

  /** Commands waiting for the worker at most. */
  public static final int QUEUE_CAPACITY = 1000;

  private record Incoming(String name, byte[] payload, Object replyTo) {}

  private static final int QUEUED = 0;
  private static final int RUNNING = 1;
  private static final int DONE = 2;
  private static final int ABANDONED = 3;

  /** A load_bundle on its way through the loader. */
  private static final class Load {
    final Path path;
    final Object replyTo;
    final long submittedNanos = System.nanoTime();
    final AtomicInteger state = new AtomicInteger(QUEUED);

    Load(Path path, Object replyTo) {
      this.path = path;
      this.replyTo = replyTo;
    }
  }

  private final CommandHandler handler;
  private final CommandTarget robot;
  private final Sink sink;
  private final long loadLimitNanos;
  private final ArrayBlockingQueue<Incoming> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
  private final AtomicReference<Load> load = new AtomicReference<>();
  private final Worker worker = new Worker();
  private volatile String workerStopped;
  private final Loader loader = new Loader();

  /**
   * @param loadLimitSeconds how long a load_bundle may take before it is answered "timed out"
   */
  public CommandPath(CommandTarget robot, Sink sink, double loadLimitSeconds) {
    this.robot = robot;
    this.handler = new CommandHandler(robot);
    this.sink = sink;
    this.loadLimitNanos = Math.round(loadLimitSeconds * 1e9);
  }

  public CommandHandler handler() {
    return handler;
  }

  /**
   * A command has arrived (on the receiving thread): e-stops and resets are carried out now, the
   * rest queued. Never blocks.
   */
  public void receive(String name, byte[] payload, Object replyTo) {
    if (name.equals("estop")) {
      answer(name, handler.eStop(payload), replyTo);
      return;
    }
    if (name.equals("reset_estop")) {
      answer(name, handler.handle(name, payload), replyTo);
      return;
    }
    String dead = workerStopped;
    if (dead != null) {
      answer(
          name,
          CommandHandler.reject(
              CommandHandler.clip(name),
              "the command worker stopped ("
                  + dead
                  + "); only estop and reset_estop are handled; restart the runtime"),
          replyTo);
      return;
    }
    if (!queue.offer(new Incoming(name, payload, replyTo))) {
      answer(
          name,
          CommandHandler.reject(
              CommandHandler.clip(name),
              "busy: "
                  + QUEUE_CAPACITY
                  + " commands are waiting; send it again later (estop is never queued)"),
          replyTo);
    }
  }

  /** Commands waiting for the worker. */
  public int queued() {
    return queue.size();
  }

  private void answer(String name, CommandHandler.Reply reply, Object replyTo) {
    sink.reply(replyTo, reply);
    Map<String, Object> ev = new LinkedHashMap<>();
    ev.put("kind", "command");
    ev.put("command", CommandHandler.clip(name));
    ev.put("accepted", reply.accepted());
    ev.put("reason", reply.reason());
    sink.event(ev);
  }

  /** The command worker's agent. */
  public FallbackAgent worker() {
    return worker;
  }

  /** The bundle loader's agent. */
  public FallbackAgent loader() {
    return loader;
  }

  private final class Worker implements FallbackAgent {
    private Incoming current;

    @Override
    public String roleName() {
      return "commands";
    }

    @Override
    public int doWork() {
      int work = checkLoadTime();
      Incoming in = queue.poll();
      if (in == null) {
        return work;
      }
      current = in;
      if (in.name().equals("load_bundle")) {
        Object checked = handler.loadRequest(in.payload());
        if (checked instanceof CommandHandler.Reply r) {
          answer(in.name(), r, in.replyTo());
        } else {
          submit((Path) checked, in.replyTo());
        }
      } else {
        answer(in.name(), handler.handle(in.name(), in.payload()), in.replyTo());
      }
      current = null;
      return work + 1;
    }

    @Override
    public void fallBack(Throwable failure, boolean fatal) {
      Incoming in = current;
      current = null;
      if (in != null) {
        answer(
            in.name(),
            CommandHandler.reject(
                CommandHandler.clip(in.name()), "internal error handling it: " + failure),
            in.replyTo());
      }
      if (fatal) {
        // nobody takes the queue any more: answer what waits, and every later command at once
        workerStopped = String.valueOf(failure);
        Incoming waiting;
        while ((waiting = queue.poll()) != null) {
          answer(
              waiting.name(),
              CommandHandler.reject(
                  CommandHandler.clip(waiting.name()),
                  "the command worker stopped (" + failure + "); restart the runtime"),
              waiting.replyTo());
        }
      }
    }
  }

  private void submit(Path path, Object replyTo) {
    Load mine = new Load(path, replyTo);
    Load other = load.get();
    if (other != null || !load.compareAndSet(null, mine)) {
      Load o = load.get();
      String why =
          o != null && o.state.get() == ABANDONED
              ? "a previous load_bundle is still stuck reading its files (abandoned after "
                  + loadLimitNanos / 1_000_000_000.0
                  + " s); bundles cannot be loaded until it returns or the runtime restarts"
              : "another load_bundle is in progress; send it again when it has been answered";
      answer(
          "load_bundle",
          CommandHandler.reject("load_bundle", why + "; running bundle kept"),
          replyTo);
      return;
    }
    java.util.concurrent.locks.LockSupport.unpark(loaderThread);
  }

  private volatile Thread loaderThread;

  /** Answers a load that has taken too long; the loader's result will be thrown away. */
  private int checkLoadTime() {
    Load l = load.get();
    if (l == null || System.nanoTime() - l.submittedNanos <= loadLimitNanos) {
      return 0;
    }
    int s = l.state.get();
    if ((s == QUEUED || s == RUNNING) && l.state.compareAndSet(s, ABANDONED)) {
      answer(
          "load_bundle",
          CommandHandler.reject(
              "load_bundle",
              "timed out after "
                  + loadLimitNanos / 1_000_000_000.0
                  + " s (runtime.load_bundle_timeout_s): the bundle's files could not be read and"
                  + " checked in time; running bundle kept"),
          l.replyTo);
      return 1;
    }
    return 0;
  }

  private final class Loader implements FallbackAgent {
    @Override
    public String roleName() {
      return "bundle-loader";
    }

    @Override
    public void onStart() {
      loaderThread = Thread.currentThread();
    }

    @Override
    public int doWork() {
      Load l = load.get();
      if (l == null || !l.state.compareAndSet(QUEUED, RUNNING)) {
        if (l != null && l.state.get() == ABANDONED) {
          load.compareAndSet(l, null); // abandoned before it started
        }
        return 0;
      }
      try {
        CommandTarget.PreparedBundle prepared;
        try {
          prepared = robot.prepareBundle(l.path);
        } catch (BundleException e) {
          if (l.state.compareAndSet(RUNNING, DONE)) {
            answer(
                "load_bundle",
                CommandHandler.reject(
                    "load_bundle", "invalid bundle: " + summary(e) + "; running bundle kept"),
                l.replyTo);
          }
          return 1;
        }
        if (!l.state.compareAndSet(RUNNING, DONE)) {
          prepared.close(); // answered "timed out" meanwhile: never swap it in
          return 1;
        }
        try {
          robot.swapTo(prepared);
        } catch (IllegalArgumentException e) {
          prepared.close();
          answer(
              "load_bundle",
              CommandHandler.reject(
                  "load_bundle",
                  "bundle does not fit this robot (" + e.getMessage() + "); running bundle kept"),
              l.replyTo);
          return 1;
        }
        answer(
            "load_bundle",
            new CommandHandler.Reply(
                "load_bundle",
                true,
                "bundle '" + prepared.name() + "' validated; switching at the next step",
                null),
            l.replyTo);
        return 1;
      } finally {
        if (l.state.get() != RUNNING) {
          load.compareAndSet(l, null); // still RUNNING: it threw, and the fallback answers it
        }
      }
    }

    @Override
    public void fallBack(Throwable failure, boolean fatal) {
      Load l = load.get();
      if (l != null) {
        if (l.state.compareAndSet(RUNNING, DONE)) { // (abandoned: answered "timed out")
          answer(
              "load_bundle",
              CommandHandler.reject(
                  "load_bundle",
                  "internal error loading it (" + failure + "); running bundle kept"),
              l.replyTo);
        }
        load.compareAndSet(l, null);
      }
    }
  }

  /** The first problems of a refused bundle (never a file listing), at most five. */
  private static String summary(BundleException e) {
    java.util.List<String> p = e.problems();
    String first = String.join("; ", p.subList(0, Math.min(5, p.size())));
    return p.size() > 5 ? first + "; and " + (p.size() - 5) + " more" : first;
  }
}

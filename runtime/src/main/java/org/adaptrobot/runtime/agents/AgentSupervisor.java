package org.adaptrobot.runtime.agents;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.IdleStrategy;

/**
 * Runs every background job of the runtime (adaptation engine, MPC planner, telemetry publisher,
 * command worker, bundle loader, event dispatcher) as a duty-cycle {@link Agent} on its own thread
 * under Agrona's {@link AgentRunner}, with one error path: whatever a duty cycle throws is counted
 * per agent, reported through the supervisor's report hook (an event: which agent, what), and
 * handed to the agent's {@link FallbackAgent#fallBack}, after which the agent goes on with its next
 * duty cycle. An {@link Error} is reported the same way, and then ends that agent's thread (Agrona
 * rethrows it): its fallback is told so, and the rest of the process keeps running.
 */
public final class AgentSupervisor implements AutoCloseable {

  /** Errors per agent role. */
  private final Map<String, AtomicLong> errors = new ConcurrentHashMap<>();

  private final List<AgentRunner> runners = new ArrayList<>();
  private final BiConsumer<String, Throwable> report;

  /**
   * @param report told of every failure: the agent's role and what it threw (on the agent's thread)
   */
  public AgentSupervisor(BiConsumer<String, Throwable> report) {
    this.report = report;
  }

  /** A supervisor that reports failures on standard error only. */
  public static AgentSupervisor printing() {
    return new AgentSupervisor((role, t) -> {});
  }

  /**
   * Starts {@code agent} on a daemon thread named after its role, idling with {@code idle} between
   * duty cycles that did no work. Returns the runner (its thread: {@link AgentRunner#thread()}).
   */
  public synchronized AgentRunner start(Agent agent, IdleStrategy idle) {
    String role = agent.roleName();
    AtomicLong count = errors.computeIfAbsent(role, r -> new AtomicLong());
    AgentRunner runner =
        new AgentRunner(
            idle,
            t -> {
              long n = count.incrementAndGet();
              boolean fatal = t instanceof Error;
              if (fatal || n <= 10 || Long.toString(n).matches("10+")) {
                // an agent failing every cycle would flood the log: the 1st to 10th, then the
                // 100th, 1000th, ... (the count and the events have every one)
                System.err.println(
                    "agent '"
                        + role
                        + "' failed"
                        + (fatal ? " and stopped" : "")
                        + ": "
                        + t
                        + (agent instanceof FallbackAgent ? "; taking its safe fallback" : "")
                        + (n > 10 ? " (failure " + n + ")" : ""));
              }
              try {
                report.accept(role, t);
              } catch (RuntimeException ignored) {
                // reporting must not take the agent down as well; stderr has it
              }
              if (agent instanceof FallbackAgent f) {
                try {
                  f.fallBack(t, fatal);
                } catch (RuntimeException again) {
                  count.incrementAndGet();
                  System.err.println("agent '" + role + "': its fallback failed too: " + again);
                }
              }
            },
            null,
            agent);
    AgentRunner.startOnThread(
        runner,
        r -> {
          Thread th = new Thread(r, role);
          th.setDaemon(true);
          // an Error that ends the thread has been reported by the error path above already
          th.setUncaughtExceptionHandler((thread, e) -> {});
          return th;
        });
    runners.add(runner);
    return runner;
  }

  /** Failures counted for the agent of this role so far. */
  public long errors(String role) {
    AtomicLong c = errors.get(role);
    return c == null ? 0 : c.get();
  }

  /** Failures of all agents so far. */
  public long errors() {
    return errors.values().stream().mapToLong(AtomicLong::get).sum();
  }

  /** Stops one agent (its onClose runs on its thread) and waits for it. */
  public synchronized void stop(AgentRunner runner) {
    if (runners.remove(runner)) {
      runner.close();
    }
  }

  /** Stops every agent, the last started first. */
  @Override
  public synchronized void close() {
    for (int i = runners.size() - 1; i >= 0; i--) {
      runners.get(i).close();
    }
    runners.clear();
  }
}

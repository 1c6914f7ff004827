package org.adaptrobot.runtime.loop;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.adaptrobot.runtime.lifecycle.LifecycleState;

/** Passes every event to each of its receivers (added at any time). */
public final class EventFanout implements RuntimeEvents {

  private final List<RuntimeEvents> receivers = new CopyOnWriteArrayList<>();

  public EventFanout(RuntimeEvents first) {
    receivers.add(first);
  }

  public void add(RuntimeEvents r) {
    receivers.add(r);
  }

  @Override
  public void transition(LifecycleState from, LifecycleState to, String reason) {
    for (RuntimeEvents r : receivers) {
      r.transition(from, to, reason);
    }
  }

  @Override
  public void fault(String kind, String message) {
    for (RuntimeEvents r : receivers) {
      r.fault(kind, message);
    }
  }

  @Override
  public void adaptation(org.adaptrobot.runtime.adaptation.AdaptationEvent event) {
    for (RuntimeEvents r : receivers) {
      r.adaptation(event);
    }
  }
}

package org.adaptrobot.runtime.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class LifecycleTest {

  @Test
  void goesThroughConfigureActivateDeactivateAndShutdown() {
    Lifecycle l = new Lifecycle();
    assertThat(l.state()).isEqualTo(LifecycleState.UNCONFIGURED);
    l.configure();
    assertThat(l.state()).isEqualTo(LifecycleState.INACTIVE);
    l.activate();
    assertThat(l.state()).isEqualTo(LifecycleState.ACTIVE);
    assertThat(l.active()).isTrue();
    l.deactivate("operator");
    assertThat(l.state()).isEqualTo(LifecycleState.INACTIVE);
    assertThat(l.lastReason()).isEqualTo("operator");
    l.shutdown("done");
    assertThat(l.state()).isEqualTo(LifecycleState.FINALIZED);
  }

  @Test
  void refusesTransitionsThatSkipAState() {
    Lifecycle l = new Lifecycle();
    assertThatThrownBy(l::activate)
        .hasMessage("cannot activate in state UNCONFIGURED (needs INACTIVE)");
    l.configure();
    assertThatThrownBy(l::configure)
        .hasMessage("cannot configure in state INACTIVE (needs UNCONFIGURED)");
    l.shutdown("x");
    assertThatThrownBy(l::activate).hasMessageContaining("FINALIZED");
    assertThatThrownBy(l::resetEStop).hasMessageContaining("finalized");
  }

  @Test
  void eStopLatchesDropsToInactiveAndNeedsAnExplicitReset() {
    Lifecycle l = new Lifecycle();
    l.configure();
    l.activate();
    l.eStop("button");
    assertThat(l.state()).isEqualTo(LifecycleState.INACTIVE);
    assertThat(l.eStopLatched()).isTrue();
    assertThat(l.lastReason()).isEqualTo("e-stop: button");
    assertThatThrownBy(l::activate).hasMessageContaining("e-stop is latched");
    l.resetEStop();
    assertThat(l.eStopLatched()).isFalse();
    assertThat(l.state()).as("a reset does not re-activate").isEqualTo(LifecycleState.INACTIVE);
    l.activate();
    assertThat(l.active()).isTrue();
  }

  @Test
  void shutdownFromAnyStateFinalizes() {
    for (int k = 0; k < 3; k++) {
      Lifecycle l = new Lifecycle();
      if (k > 0) {
        l.configure();
      }
      if (k > 1) {
        l.activate();
      }
      l.shutdown("stop");
      assertThat(l.state()).isEqualTo(LifecycleState.FINALIZED);
    }
  }
}

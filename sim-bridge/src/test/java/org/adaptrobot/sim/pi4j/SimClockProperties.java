package org.adaptrobot.sim.pi4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;

class SimClockProperties {

  @Property(tries = 300, seed = "3")
  void eventsFireInTimeOrderAndInScheduleOrderWhenTied(
      @ForAll @Size(max = 200) List<@LongRange(min = 0, max = 50) Long> times) {
    SimClock clock = new SimClock();
    List<long[]> fired = new ArrayList<>();
    for (int i = 0; i < times.size(); i++) {
      long t = times.get(i);
      int order = i;
      clock.schedule(t, () -> fired.add(new long[] {clock.nowNanos(), t, order}));
    }
    clock.advanceTo(25);
    assertThat(clock.nowNanos()).isEqualTo(25);
    clock.advanceTo(100);
    assertThat(fired).hasSize(times.size());
    assertThat(clock.pending()).isZero();
    for (int i = 0; i < fired.size(); i++) {
      assertThat(fired.get(i)[0]).as("fires at its own time").isEqualTo(fired.get(i)[1]);
      if (i > 0) {
        long[] a = fired.get(i - 1);
        long[] b = fired.get(i);
        assertThat(a[1] < b[1] || (a[1] == b[1] && a[2] < b[2])).isTrue();
      }
    }
  }
}

package org.adaptrobot.runtime.adaptation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RolloutRingTest {

  @Test
  void copiesByIndexStridedAndRefusesWhatIsNotThereOrWasOverwritten() {
    RolloutRing ring = new RolloutRing(8, 2, 1);
    for (int i = 0; i < 6; i++) {
      ring.write(new double[] {i, -i}, new double[] {10 + i}, 0.5 * i, 100 + i, i % 2);
    }
    double[] obs = new double[6];
    double[] act = new double[3];
    double[] rew = new double[3];
    long[] ver = new long[3];
    int[] flags = new int[3];
    // entries 2, 3 into rows 0, 1 with stride 1; then entry 4 into row 2
    assertThat(ring.copy(2, 2, obs, act, rew, ver, flags, 0, 1)).isTrue();
    assertThat(ring.copy(4, 1, obs, act, rew, ver, flags, 2, 1)).isTrue();
    assertThat(obs).containsExactly(2, -2, 3, -3, 4, -4);
    assertThat(act).containsExactly(12, 13, 14);
    assertThat(rew).containsExactly(1.0, 1.5, 2.0);
    assertThat(ver).containsExactly(102, 103, 104);
    assertThat(flags).containsExactly(0, 1, 0);
    // stride 3: entry 0 → row 0, entry 1 → row 3 (time-major rollouts)
    double[] wide = new double[4];
    assertThat(ring.copy(0, 2, null, null, wide, null, null, 0, 3)).isTrue();
    assertThat(wide).containsExactly(0, 0, 0, 0.5);
    assertThat(ring.copy(5, 2, null, null, rew, null, null, 0, 1))
        .as("entry 6 not written")
        .isFalse();
    for (int i = 6; i < 12; i++) {
      ring.write(new double[] {i, -i}, new double[] {10 + i}, 0, 0, 0);
    }
    assertThat(ring.copy(2, 2, obs, null, null, null, null, 0, 1)).as("overwritten").isFalse();
    assertThat(ring.copy(8, 2, obs, null, null, null, null, 0, 1)).isTrue();
    assertThatThrownBy(() -> ring.copy(0, 5, obs, null, null, null, null, 0, 1))
        .hasMessageContaining("at most half");
    assertThatThrownBy(() -> new RolloutRing(6, 1, 1)).hasMessageContaining("power of two");
  }
}

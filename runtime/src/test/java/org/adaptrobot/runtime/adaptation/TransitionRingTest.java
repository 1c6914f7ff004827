package org.adaptrobot.runtime.adaptation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class TransitionRingTest {

  @Test
  void copiesTheLastEntriesOldestFirst() {
    TransitionRing ring = new TransitionRing(8, 2, 1);
    double[] o = new double[2];
    double[] a = new double[1];
    assertThat(ring.copyLast(3, new double[6], new double[3], null)).isEqualTo(-1);
    for (int i = 0; i < 11; i++) {
      o[0] = i;
      o[1] = -i;
      a[0] = 10 * i;
      ring.write(i, o, a);
    }
    double[] obs = new double[8];
    double[] act = new double[4];
    long[] steps = new long[4];
    assertThat(ring.copyLast(4, obs, act, steps)).isEqualTo(11);
    assertThat(obs).containsExactly(7, -7, 8, -8, 9, -9, 10, -10);
    assertThat(act).containsExactly(70, 80, 90, 100);
    assertThat(steps).containsExactly(7, 8, 9, 10);
  }

  @Test
  void aReaderNeverSeesATornOrOverwrittenEntryWhileTheWriterRuns() throws Exception {
    // each entry is filled with its own index: any mix of two entries shows up as unequal values
    TransitionRing ring = new TransitionRing(64, 16, 4);
    AtomicBoolean stop = new AtomicBoolean();
    Thread writer =
        new Thread(
            () -> {
              double[] o = new double[16];
              double[] a = new double[4];
              for (long i = 0; !stop.get(); i++) {
                java.util.Arrays.fill(o, i);
                java.util.Arrays.fill(a, i);
                ring.write(i, o, a);
              }
            });
    writer.start();
    double[] obs = new double[32 * 16];
    double[] act = new double[32 * 4];
    long[] steps = new long[32];
    long checked = 0;
    long deadline = System.nanoTime() + 1_000_000_000L;
    while (System.nanoTime() < deadline) {
      if (ring.copyLast(32, obs, act, steps) < 0) {
        continue;
      }
      for (int i = 0; i < 32; i++) {
        assertThat(steps[i]).isEqualTo(steps[0] + i);
        for (int j = 0; j < 16; j++) {
          assertThat(obs[i * 16 + j]).isEqualTo((double) steps[i]);
        }
        for (int j = 0; j < 4; j++) {
          assertThat(act[i * 4 + j]).isEqualTo((double) steps[i]);
        }
      }
      checked++;
    }
    stop.set(true);
    writer.join();
    assertThat(checked).isPositive();
  }
}

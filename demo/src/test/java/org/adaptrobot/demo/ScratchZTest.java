package org.adaptrobot.demo;

import java.nio.file.Path;
import org.adaptrobot.runtime.RobotRuntime;
import org.adaptrobot.runtime.adaptation.BayesianLastLayerFeed;
import org.adaptrobot.runtime.config.RuntimeConfig;
import org.adaptrobot.runtime.loop.RuntimeEvents;
import org.junit.jupiter.api.Test;

class ScratchZTest {
  @Test
  void z() throws Exception {
    for (String b : new String[] {"diffdrive-bll", "diffdrive-bll-pooled", "diffdrive-rls"}) {
      RuntimeConfig c = RuntimeConfig.load(Path.of("../src/examples/diffbot-demo.yaml"));
      c = new RuntimeConfig(c.hardware(), Path.of("../bundles/" + b), c.runtime(), RuntimeConfig.Telemetry.none());
      try (RobotRuntime rt = RobotRuntime.start(c, true, false, 1, RuntimeEvents.NONE, true)) {
        BayesianLastLayerFeed f = (BayesianLastLayerFeed) rt.adaptation();
        var loop = rt.loop();
        loop.targets().hold(0.3, 0.5);
        loop.requestActivate();
        StringBuilder sb = new StringBuilder(b + ":");
        double[] sum = new double[30];
        int[] n = new int[30];
        for (int i = 0; i < 1500; i++) {
          if (i == 750) {
            rt.simulation().set("left_torque_factor", 0.6);
            rt.simulation().set("payload_kg", 0.8);
          }
          if (i % 250 == 0) loop.targets().hold(i % 500 == 0 ? 0.3 : 0.2, i % 500 == 0 ? 0.5 : -0.6);
          loop.step();
          loop.clock().awaitNextPeriod();
          double z = f.lastStatistic();
          if (Double.isFinite(z)) { sum[i / 50] += z; n[i / 50]++; }
          if (i >= 740 && i < 800) sb.append(String.format(i == 740 ? " [%.2f" : " %.2f", z));
          if (i == 799) sb.append("]\n");
        }
        for (int k = 0; k < 30; k++) sb.append(String.format(" %.2f", sum[k] / Math.max(1, n[k])));
        System.out.println(sb + "  alarms " + f.detector().alarms());
      }
    }
  }
}

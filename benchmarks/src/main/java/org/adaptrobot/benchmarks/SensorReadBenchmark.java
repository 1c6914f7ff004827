package org.adaptrobot.benchmarks;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.adaptrobot.drivers.hardware.HardwareDescription;
import org.adaptrobot.drivers.hardware.RobotIo;
import org.adaptrobot.sim.chips.SimulatedHcSr04;
import org.adaptrobot.sim.chips.SimulatedIna219;
import org.adaptrobot.sim.chips.SimulatedMpu6050;
import org.adaptrobot.sim.chips.SimulatedPca9685;
import org.adaptrobot.sim.chips.SimulatedQuadratureEncoder;
import org.adaptrobot.sim.pi4j.SimClock;
import org.adaptrobot.sim.pi4j.SimulatedPi;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One full sensor read of the reference robot (MPU-6050 burst, four INA219 registers, both
 * encoders, the range sensor) through the real drivers and the simulated Pi4J providers.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class SensorReadBenchmark {

  @Param("src/examples/diffbot-hardware.yaml")
  public String hardware;

  private SimulatedPi pi;
  private RobotIo io;
  private final RobotIo.SensorReadings readings = new RobotIo.SensorReadings();

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    Path file = Path.of(hardware);
    if (!file.isAbsolute() && !java.nio.file.Files.exists(file)) {
      file = Path.of("..").resolve(hardware); // run from benchmarks/
    }
    SimClock clock = new SimClock();
    pi = new SimulatedPi(clock);
    pi.attach(1, 0x68, new SimulatedMpu6050("imu", 1))
        .measure(new double[] {0.1, -0.2, 9.8}, new double[] {0.01, 0.02, 0.3}, 31);
    pi.attach(1, 0x40, new SimulatedIna219("battery", 0.1, 2));
    pi.attach(1, 0x60, new SimulatedPca9685("pwm"));
    new SimulatedQuadratureEncoder(pi, 5, 6, 1400, 3);
    new SimulatedQuadratureEncoder(pi, 13, 19, 1400, 4);
    new SimulatedHcSr04(pi, 20, 21, 20);
    io = RobotIo.open(pi.context(), HardwareDescription.load(file), clock);
    io.initialise();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    io.close();
    pi.close();
  }

  @Benchmark
  public RobotIo.SensorReadings fullSensorRead() {
    io.readSensors(readings);
    return readings;
  }
}

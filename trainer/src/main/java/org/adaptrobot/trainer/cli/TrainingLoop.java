package org.adaptrobot.trainer.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;
import org.adaptrobot.trainer.io.Checkpoint;
import org.adaptrobot.trainer.io.Progress;
import org.adaptrobot.trainer.meta.MetaLearner;
import org.adaptrobot.trainer.meta.TaskSampler;

/**
 * The meta-training loop shared by the {@code train} commands: resume from a checkpoint of the same
 * run, meta-iterations with a progress bar, and every {@code evalEvery} iterations an evaluation
 * row in {@code metrics.csv} and a new checkpoint.
 */
final class TrainingLoop {

  /** Iterations trained in this invocation and the time they took. */
  record Result(int trained, double seconds, double totalSeconds) {
    double msPerIteration() {
      return trained > 0 ? 1000 * seconds / trained : Double.NaN;
    }
  }

  static final String SECONDS = "train_seconds";

  private TrainingLoop() {}

  /**
   * @param evaluation columns appended to each metrics row (with their header names)
   */
  static Result run(
      MetaLearner learner,
      TaskSampler sampler,
      int metaBatch,
      int k,
      int iterations,
      int evalEvery,
      Path dir,
      String run,
      boolean resume,
      String evaluationHeader,
      Function<MetaLearner, double[]> evaluation)
      throws IOException {
    Files.createDirectories(dir);
    Path checkpointFile = dir.resolve("checkpoint.bin");
    int start = 0;
    double previousSeconds = 0;
    if (resume && Files.exists(checkpointFile)) {
      Checkpoint c = Checkpoint.read(checkpointFile);
      if (!c.run().equals(run)) {
        throw new IllegalArgumentException(
            checkpointFile + " belongs to run '" + c.run() + "', not '" + run + "'");
      }
      learner.restore(c.arrays());
      start = Math.min(c.iteration(), iterations);
      double[] t = c.arrays().get(SECONDS);
      previousSeconds = t != null ? t[0] : Double.NaN; // a checkpoint without its time
      System.out.printf("%s: resuming at iteration %d%n", dir, start);
    }
    Progress progress = new Progress(System.err, dir.getFileName().toString(), start, iterations);
    long nanos = 0;
    try (RunFiles.Csv csv =
        new RunFiles.Csv(
            dir.resolve("metrics.csv"),
            "iteration,meta_loss," + evaluationHeader + ",train_seconds",
            resume && start > 0)) {
      double lossSum = 0;
      int lossCount = 0;
      for (int it = start; it < iterations; it++) {
        long t0 = System.nanoTime();
        lossSum += learner.metaIteration(it, sampler, metaBatch, k);
        nanos += System.nanoTime() - t0;
        lossCount++;
        int done = it + 1;
        if (done % evalEvery == 0 || done == iterations) {
          double[] e = evaluation.apply(learner);
          Object[] row = new Object[e.length + 3];
          row[0] = done;
          row[1] = lossSum / lossCount;
          for (int i = 0; i < e.length; i++) {
            row[2 + i] = e[i];
          }
          row[row.length - 1] = previousSeconds + nanos / 1e9;
          csv.row(row);
          StringBuilder note = new StringBuilder();
          String[] names = evaluationHeader.split(",");
          for (int i = 0; i < e.length; i++) {
            note.append(String.format(java.util.Locale.ROOT, "%s %.4g ", names[i], e[i]));
          }
          progress.note(note.toString().trim());
          lossSum = 0;
          lossCount = 0;
          java.util.Map<String, double[]> state = learner.state();
          state.put(SECONDS, new double[] {previousSeconds + nanos / 1e9});
          new Checkpoint(done, run, state).write(checkpointFile);
        }
        progress.update(done);
      }
    }
    return new Result(iterations - start, nanos / 1e9, previousSeconds + nanos / 1e9);
  }
}

package org.adaptrobot.trainer.meta;

import java.util.SplittableRandom;

/** Draws a task and its support and query sets. */
@FunctionalInterface
public interface TaskSampler {
  TaskData sample(SplittableRandom random, int k);
}

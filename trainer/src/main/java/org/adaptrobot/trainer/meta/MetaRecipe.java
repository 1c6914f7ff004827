package org.adaptrobot.trainer.meta;

import java.io.Serializable;

/**
 * How to build a run's learner and task sampler from scratch, sent to cluster members so they can
 * compute the run's tasks: a learner built from its recipe and given the run's state computes
 * exactly what the run's own learner would.
 */
public interface MetaRecipe extends Serializable {

  /** A fresh learner of the run (one thread: the member's executor runs tasks in parallel). */
  MetaLearner learner();

  TaskSampler sampler();
}

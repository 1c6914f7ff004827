package org.adaptrobot.trainer.meta;

/**
 * One task's data for a meta-iteration: a support set to adapt on and a query set to evaluate the
 * adapted model on, {@code k} samples each, inputs {@code [k, in]} and targets {@code [k, out]}.
 */
public record TaskData(
    double[] supportX, double[] supportY, double[] queryX, double[] queryY, int k) {}

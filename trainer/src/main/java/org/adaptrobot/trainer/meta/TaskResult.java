package org.adaptrobot.trainer.meta;

import java.io.Serializable;

/**
 * One task's share of a meta-iteration: its meta-gradient, an extra output (Meta-SGD's rate
 * gradient, or null) and its query loss after adaptation.
 */
public record TaskResult(double[] gradient, double[] extra, double loss) implements Serializable {}

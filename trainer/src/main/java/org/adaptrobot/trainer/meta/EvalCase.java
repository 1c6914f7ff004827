package org.adaptrobot.trainer.meta;

import java.io.Serializable;

/**
 * One evaluation case of a supervised meta-learner: adapt on the {@code k} support points, then the
 * mean squared error on the {@code n} query points.
 */
public record EvalCase(
    double[] supportX, double[] supportY, int k, double[] queryX, double[] queryY, int n)
    implements Serializable {}

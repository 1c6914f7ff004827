package org.adaptrobot.runtime.adaptation;

/**
 * One decision of the adaptation engine, for telemetry and logs.
 *
 * @param kind {@code change_detected}, {@code accepted}, {@code rejected}, {@code rolled_back},
 *     {@code reset}, {@code enabled}, {@code disabled}
 * @param transitions transitions seen when it happened
 * @param lossBefore held-out loss of the parameters in use (NaN when not measured)
 * @param lossAfter held-out loss of the candidate parameters (NaN when not measured)
 * @param updateNorm Euclidean norm of the parameter change from the meta-trained values
 * @param latencyMillis time the adaptation took, ms (NaN when none ran)
 * @param reason why, in words
 */
public record AdaptationEvent(
    String kind,
    long transitions,
    double lossBefore,
    double lossAfter,
    double updateNorm,
    double latencyMillis,
    String reason) {}

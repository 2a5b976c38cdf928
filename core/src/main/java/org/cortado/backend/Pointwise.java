package org.cortado.backend;

/**
 * One of Caffe's elementwise ("neuron") functions with the constants its layer precomputes, for
 * {@link LayerOps#pointwiseForward} and {@link LayerOps#pointwiseBackward}. The forward and backward formulas are
 * Caffe's CPU code, step by step in float (its special cases included, since they change the rounding):
 * <ul>
 *   <li>{@code ELU(alpha)}: {@code max(x, 0) + alpha (exp(min(x, 0)) - 1)};
 *       {@code dx = dy (x > 0 ? 1 : alpha + y)}.</li>
 *   <li>{@code POWER(power, scale, shift)}: {@code (shift + scale x)^power}; {@code dx = dy power scale (shift + scale
 *       x)^(power - 1)}, computed as Caffe does from {@code y}.</li>
 *   <li>{@code EXP(innerScale, outerScale)}: {@code outerScale exp(innerScale x)}; {@code dx = dy y innerScale}.</li>
 *   <li>{@code LOG(scale, shift, baseScale, backwardScale)}: {@code log(scale x + shift) baseScale};
 *       {@code dx = dy backwardScale / (scale x + shift)}.</li>
 *   <li>{@code ABSVAL}: {@code |x|}; {@code dx = dy sign(x)} (0 at 0).</li>
 *   <li>{@code BNLL}: {@code log(1 + exp(x))} in its stable form; {@code dx = dy e / (e + 1)}, {@code e = exp(min(x,
 *       50))}.</li>
 *   <li>{@code THRESHOLD(t)}: {@code x > t ? 1 : 0}; no backward (Caffe has none).</li>
 * </ul>
 * The constants are {@code a, b, c, d} in the order above; unused ones are 0.
 */
public record Pointwise(Kind kind, float a, float b, float c, float d) {
    /** The functions, numbered as the CUDA kernels' {@code kind} argument. */
    public enum Kind { ELU, POWER, EXP, LOG, ABSVAL, BNLL, THRESHOLD }

    /** BNLL's gradient clamps its exponent here (Caffe's kBNLL_THRESHOLD), so that {@code e / (e + 1)} stays finite. */
    public static final float BNLL_THRESHOLD = 50f;

    public static Pointwise elu(float alpha) {
        return new Pointwise(Kind.ELU, alpha, 0f, 0f, 0f);
    }

    public static Pointwise power(float power, float scale, float shift) {
        return new Pointwise(Kind.POWER, power, scale, shift, 0f);
    }

    public static Pointwise exp(float innerScale, float outerScale) {
        return new Pointwise(Kind.EXP, innerScale, outerScale, 0f, 0f);
    }

    public static Pointwise log(float scale, float shift, float baseScale, float backwardScale) {
        return new Pointwise(Kind.LOG, scale, shift, baseScale, backwardScale);
    }

    public static Pointwise absVal() {
        return new Pointwise(Kind.ABSVAL, 0f, 0f, 0f, 0f);
    }

    public static Pointwise bnll() {
        return new Pointwise(Kind.BNLL, 0f, 0f, 0f, 0f);
    }

    public static Pointwise threshold(float threshold) {
        return new Pointwise(Kind.THRESHOLD, threshold, 0f, 0f, 0f);
    }

    /** Whether the function has a backward pass (all but THRESHOLD). */
    public boolean hasBackward() {
        return kind != Kind.THRESHOLD;
    }
}

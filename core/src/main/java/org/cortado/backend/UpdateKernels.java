package org.cortado.backend;

/**
 * The reference loops of the training-time elementwise operations of {@link Backend} (dropout mask, solver
 * updates) over index ranges of host arrays. The CPU backend runs them in parallel and Backend's defaults run them
 * on host copies, so that both give the same bits; a GPU kernel implements the same per-element formula in float.
 */
public final class UpdateKernels {
    private UpdateKernels() {
    }

    /**
     * See {@link Backend#dropoutMask}: elements {@code [start, end)}, each {@code CounterRng.keep(seed, i, ratio) ?
     * 1/(1-ratio) : 0}. Written without a branch: a kept-or-dropped test is a coin flip that the branch predictor
     * misses half the time, and as a conditional C2 compiles it to a branch, four times slower over SqueezeNet's drop9
     * (bench/RESULTS.md, "What helped"). The draw {@code u} is kept when
     * {@code u * 2^-24 >= ratio}, that is {@code u >= ceil(ratio * 2^24)} (both sides exact), and the sign of
     * {@code threshold - 1 - u} then selects the kept value's bits or zero.
     */
    public static void dropoutMask(float[] mask, int start, int end, float ratio, long seed) {
        int keepBits = Float.floatToRawIntBits(1f / (1f - ratio));
        int threshold = CounterRng.keepThreshold(ratio);
        for (int i = start; i < end; i++) {
            int draw = (int) (CounterRng.bits(seed, i) >>> 40);
            mask[i] = Float.intBitsToFloat(keepBits & ((threshold - 1 - draw) >> 31));
        }
    }

    /**
     * The gradient a rule steps along (Caffe's Normalize and Regularize): {@code scale * diff + decay * data} (L2) or
     * {@code scale * diff + decay * sign(data)} (L1), with Caffe's {@code caffe_sign}: 0 for 0 and NaN.
     */
    static float gradient(float diff, float data, SolverGradient g) {
        float penalty = g.l1() ? sign(data) : data;
        return g.scale() * diff + g.decay() * penalty;
    }

    /** Caffe's {@code caffe_sign}: {@code (0 < x) - (x < 0)}. */
    static float sign(float x) {
        return (0f < x ? 1f : 0f) - (x < 0f ? 1f : 0f);
    }

    /** See {@link Backend#sgdUpdate}: elements {@code [start, end)}. */
    public static void sgd(float[] data, float[] diff, float[] history, int start, int end, SolverGradient grad,
                           float lr, float momentum) {
        for (int i = start; i < end; i++) {
            float g = gradient(diff[i], data[i], grad);
            float h = momentum * history[i] + lr * g;
            history[i] = h;
            data[i] -= h;
        }
    }

    /** See {@link Backend#nesterovUpdate}: elements {@code [start, end)}. */
    public static void nesterov(float[] data, float[] diff, float[] history, int start, int end, SolverGradient grad,
                                float lr, float momentum) {
        for (int i = start; i < end; i++) {
            float g = gradient(diff[i], data[i], grad);
            float previous = history[i];
            float h = momentum * previous + lr * g;
            history[i] = h;
            data[i] -= (1f + momentum) * h - momentum * previous;
        }
    }

    /**
     * See {@link Backend#adamUpdate}: elements {@code [start, end)}. The operations round as in Caffe's
     * AdamSolver::ComputeUpdateValue on the CPU: {@code v} adds {@code (1 - beta2) * (g * g)} (caffe_mul, then
     * axpby) and the step is {@code lrCorrected * (m / (sqrt(v) + eps))} (caffe_div, then caffe_cpu_scale).
     */
    public static void adam(float[] data, float[] diff, float[] m, float[] v, int start, int end, SolverGradient grad,
                            float lrCorrected, float beta1, float beta2, float eps) {
        for (int i = start; i < end; i++) {
            float g = gradient(diff[i], data[i], grad);
            float mi = (1f - beta1) * g + beta1 * m[i];
            float vi = (1f - beta2) * (g * g) + beta2 * v[i];
            m[i] = mi;
            v[i] = vi;
            data[i] -= lrCorrected * (mi / ((float) Math.sqrt(vi) + eps));
        }
    }

    /**
     * See {@link Backend#adaGradUpdate}: elements {@code [start, end)}, in the order of Caffe's
     * AdaGradSolver::ComputeUpdateValue: {@code h = g * g + h; data -= lr * (g / (sqrt(h) + delta))}. Caffe's CPU
     * path takes the root with {@code powx(h, 0.5)} and its GPU kernel with {@code sqrt}; both are the correctly
     * rounded root, which {@code (float) Math.sqrt} is (a double has more than twice a float's bits).
     */
    public static void adaGrad(float[] data, float[] diff, float[] history, int start, int end, SolverGradient grad,
                               float lr, float delta) {
        for (int i = start; i < end; i++) {
            float g = gradient(diff[i], data[i], grad);
            float h = g * g + history[i];
            history[i] = h;
            data[i] -= lr * (g / ((float) Math.sqrt(h) + delta));
        }
    }

    /**
     * See {@link Backend#rmsPropUpdate}: elements {@code [start, end)}, in the order of Caffe's
     * RMSPropSolver::ComputeUpdateValue: {@code h = (1 - rmsDecay) * (g * g) + rmsDecay * h;
     * data -= lr * (g / (sqrt(h) + delta))}.
     */
    public static void rmsProp(float[] data, float[] diff, float[] history, int start, int end, SolverGradient grad,
                               float lr, float rmsDecay, float delta) {
        for (int i = start; i < end; i++) {
            float g = gradient(diff[i], data[i], grad);
            float h = (1f - rmsDecay) * (g * g) + rmsDecay * history[i];
            history[i] = h;
            data[i] -= lr * (g / ((float) Math.sqrt(h) + delta));
        }
    }

    /**
     * See {@link Backend#adaDeltaUpdate}: elements {@code [start, end)}, in the order of Caffe's
     * AdaDeltaSolver::ComputeUpdateValue: {@code h = (1 - momentum) * (g * g) + momentum * h;
     * u = g * sqrt((delta + u2) / (delta + h)); u2 = (1 - momentum) * (u * u) + momentum * u2; data -= lr * u}, where
     * {@code h} is the history of squared gradients and {@code u2} that of squared updates.
     */
    public static void adaDelta(float[] data, float[] diff, float[] history, float[] updates, int start, int end,
                                SolverGradient grad, float lr, float momentum, float delta) {
        for (int i = start; i < end; i++) {
            float g = gradient(diff[i], data[i], grad);
            float h = (1f - momentum) * (g * g) + momentum * history[i];
            history[i] = h;
            float u = g * (float) Math.sqrt((delta + updates[i]) / (delta + h));
            updates[i] = (1f - momentum) * (u * u) + momentum * updates[i];
            data[i] -= lr * u;
        }
    }
}

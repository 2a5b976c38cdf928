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
     * misses half the time, and as a conditional C2 compiles it to a branch (9.3 ms against 2.3 ms for the 1.4 million
     * elements of SqueezeNet's drop9 at batch 16, one thread). The draw {@code u} is kept when
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

    /** See {@link Backend#sgdUpdate}: elements {@code [start, end)}. */
    public static void sgd(float[] data, float[] diff, float[] history, int start, int end, float gradScale,
                           float decay, float lr, float momentum) {
        for (int i = start; i < end; i++) {
            float g = gradScale * diff[i] + decay * data[i];
            float h = momentum * history[i] + lr * g;
            history[i] = h;
            data[i] -= h;
        }
    }

    /** See {@link Backend#nesterovUpdate}: elements {@code [start, end)}. */
    public static void nesterov(float[] data, float[] diff, float[] history, int start, int end, float gradScale,
                                float decay, float lr, float momentum) {
        for (int i = start; i < end; i++) {
            float g = gradScale * diff[i] + decay * data[i];
            float previous = history[i];
            float h = momentum * previous + lr * g;
            history[i] = h;
            data[i] -= (1f + momentum) * h - momentum * previous;
        }
    }

    /** See {@link Backend#adamUpdate}: elements {@code [start, end)}. */
    public static void adam(float[] data, float[] diff, float[] m, float[] v, int start, int end, float gradScale,
                            float decay, float lrCorrected, float beta1, float beta2, float eps) {
        for (int i = start; i < end; i++) {
            float g = gradScale * diff[i] + decay * data[i];
            float mi = beta1 * m[i] + (1f - beta1) * g;
            float vi = beta2 * v[i] + (1f - beta2) * g * g;
            m[i] = mi;
            v[i] = vi;
            data[i] -= lrCorrected * mi / ((float) Math.sqrt(vi) + eps);
        }
    }
}

package org.cortado.backend.cpu;

/** {@link MaxRuns} in plain loops: the reference for {@link VectorMaxRuns}, and what runs without it. */
final class JavaMaxRuns implements MaxRuns {
    @Override
    public void max3(float[] a, int ao, float[] b, int bo, float[] c, int co, float[] out, int n) {
        for (int i = 0; i < n; i++) {
            out[i] = Math.max(Math.max(Math.max(-Float.MAX_VALUE, a[ao + i]), b[bo + i]), c[co + i]);
        }
    }

    @Override
    public void maxInto(float[] row, int ro, float[] acc, int n) {
        for (int i = 0; i < n; i++) {
            acc[i] = Math.max(acc[i], row[ro + i]);
        }
    }

    @Override
    public void relu(float[] x, float[] y, int from, int to) {
        for (int i = from; i < to; i++) {
            y[i] = Math.max(x[i], 0f);
        }
    }

    @Override
    public void argmaxInto(float[] row, int ro, float[] max, int[] arg, int idx, int n) {
        for (int i = 0; i < n; i++) {
            arg[i] = Math.min(arg[i], candidate(row[ro + i], Float.floatToRawIntBits(max[i]), idx + i));
        }
    }

    @Override
    public void windowMax3(float[] cm, int stride, float[] out, int o, int count) {
        windowMax3(cm, stride, out, o, 0, count);
    }

    /** {@link #windowMax3} for windows {@code [from, count)}: the vector form's tail. */
    static void windowMax3(float[] cm, int stride, float[] out, int o, int from, int count) {
        for (int p = from; p < count; p++) {
            int w = p * stride;
            out[o + p] = Math.max(Math.max(cm[w], cm[w + 1]), cm[w + 2]);
        }
    }

    @Override
    public void windowArgmax3(float[] cm, int[] ca, int stride, float[] out, float[] mask, int o, int count) {
        windowArgmax3(cm, ca, stride, out, mask, o, 0, count);
    }

    /** {@link #windowArgmax3} for windows {@code [from, count)}: the vector form's tail. */
    static void windowArgmax3(float[] cm, int[] ca, int stride, float[] out, float[] mask, int o, int from,
                              int count) {
        for (int p = from; p < count; p++) {
            int w = p * stride;
            int best = Float.floatToRawIntBits(out[o + p]);
            int arg = Math.min(Math.min(candidate(cm[w], best, ca[w]), candidate(cm[w + 1], best, ca[w + 1])),
                    candidate(cm[w + 2], best, ca[w + 2]));
            mask[o + p] = arg == Integer.MAX_VALUE ? -1 : arg;
        }
    }

    /**
     * {@code idx} when the bits of {@code v} are {@code maxBits}, else {@link Integer#MAX_VALUE} (and that when
     * {@code idx} is), without a branch.
     */
    static int candidate(float v, int maxBits, int idx) {
        int d = Float.floatToRawIntBits(v) ^ maxBits;
        // (d | -d) has its sign bit set exactly when d != 0; shifted arithmetically it is -1 or 0.
        return idx | ((d | -d) >> 31 & Integer.MAX_VALUE);
    }
}

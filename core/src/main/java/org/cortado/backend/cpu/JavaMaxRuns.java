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
    public void windowMax3(float[] cm, int c0, int stride, float[] out, int o, int count) {
        windowMax3(cm, c0, stride, out, o, 0, count);
    }

    /** {@link #windowMax3} for windows {@code [from, count)}: the vector form's tail. */
    static void windowMax3(float[] cm, int c0, int stride, float[] out, int o, int from, int count) {
        for (int p = from; p < count; p++) {
            int w = c0 + p * stride;
            out[o + p] = Math.max(Math.max(cm[w], cm[w + 1]), cm[w + 2]);
        }
    }

    @Override
    public void windowMax2(float[] cm, int c0, int stride, float[] out, int o, int count) {
        windowMax2(cm, c0, stride, out, o, 0, count);
    }

    /** {@link #windowMax2} for windows {@code [from, count)}: the vector form's tail. */
    static void windowMax2(float[] cm, int c0, int stride, float[] out, int o, int from, int count) {
        for (int p = from; p < count; p++) {
            int w = c0 + p * stride;
            out[o + p] = Math.max(cm[w], cm[w + 1]);
        }
    }

    @Override
    public void windowArgmax3(float[] cm, int[] ca, int c0, int stride, float[] out, float[] mask, int o, int count) {
        windowArgmax3(cm, ca, c0, stride, out, mask, o, 0, count);
    }

    /** {@link #windowArgmax3} for windows {@code [from, count)}: the vector form's tail. */
    static void windowArgmax3(float[] cm, int[] ca, int c0, int stride, float[] out, float[] mask, int o, int from,
                              int count) {
        for (int p = from; p < count; p++) {
            int w = c0 + p * stride;
            int best = Float.floatToRawIntBits(out[o + p]);
            int arg = Math.min(Math.min(candidate(cm[w], best, ca[w]), candidate(cm[w + 1], best, ca[w + 1])),
                    candidate(cm[w + 2], best, ca[w + 2]));
            mask[o + p] = arg == Integer.MAX_VALUE ? -1 : arg;
        }
    }

    @Override
    public void max3x3Pad1(float[] in, int ib, int h, int w, float[] rowMax, float[] out, int ob) {
        int n = h * w;
        padRows(rowMax, w, n);
        rowWindows3(in, ib, rowMax, w, 1, n - 1);
        rowEnds(in, ib, h, w, rowMax);
        columnWindows3(rowMax, w, out, ob, 0, n);
    }

    /**
     * The plane's row maxima sit in {@code rowMax} from offset {@code w}, between a row of -FLT_MAX above and one
     * below: the column pass then needs no edge cases (-FLT_MAX is the maximum's floor anyway).
     */
    static void padRows(float[] rowMax, int w, int n) {
        java.util.Arrays.fill(rowMax, 0, w, -Float.MAX_VALUE);
        java.util.Arrays.fill(rowMax, w + n, n + 2 * w, -Float.MAX_VALUE);
    }

    /**
     * {@code rowMax[w + i] = max(-FLT_MAX, in[ib + i - 1], in[ib + i], in[ib + i + 1])} for {@code i in [from, to)},
     * {@code 1 <= from} and {@code to <= n - 1}: the plane taken as one row, so that the windows at the rows' ends
     * are wrong here and {@link #rowEnds} rewrites them.
     */
    static void rowWindows3(float[] in, int ib, float[] rowMax, int w, int from, int to) {
        for (int i = from; i < to; i++) {
            rowMax[w + i] = Math.max(Math.max(Math.max(-Float.MAX_VALUE, in[ib + i - 1]), in[ib + i]), in[ib + i + 1]);
        }
    }

    /** The row maxima of each row's first and last columns, over the window clipped to the row. */
    static void rowEnds(float[] in, int ib, int h, int w, float[] rowMax) {
        for (int r = 0; r < h; r++) {
            int row = r * w;
            rowMax[w + row] = clippedRowMax(in, ib + row, w, 0);
            rowMax[w + row + w - 1] = clippedRowMax(in, ib + row, w, w - 1);
        }
    }

    private static float clippedRowMax(float[] in, int row, int w, int c) {
        float best = -Float.MAX_VALUE;
        for (int k = Math.max(0, c - 1); k <= Math.min(w - 1, c + 1); k++) {
            best = Math.max(best, in[row + k]);
        }
        return best;
    }

    /** {@code out[ob + i] = max(rowMax[i], rowMax[i + w], rowMax[i + 2w])} for {@code i in [from, to)}. */
    static void columnWindows3(float[] rowMax, int w, float[] out, int ob, int from, int to) {
        for (int i = from; i < to; i++) {
            out[ob + i] = Math.max(Math.max(rowMax[i], rowMax[i + w]), rowMax[i + 2 * w]);
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

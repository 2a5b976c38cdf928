package org.cortado.backend.cpu;

/**
 * Unit-stride loops of {@link Math#max} (a NaN wins, +0 above -0), which HotSpot leaves scalar: max pooling's column
 * maxima of a window's rows, its 3-wide windows and their argmax (see {@link CpuPooling}), and ReLU. The Vector API
 * runs them three times as fast on AVX-512. Both implementations give the same bits; chosen as {@link LrnRuns} is.
 *
 * <p>{@link #max3}, {@link #maxInto} and {@link #argmaxInto} may also write their outputs past {@code n}, up to
 * {@code n} rounded up to a whole vector, where those arrays and the inputs have room from their offsets: callers
 * pass scratch outputs that hold {@link #WINDOW_SLACK} more, and read only the first {@code n}.
 */
interface MaxRuns {
    /** {@code out[i] = max(-FLT_MAX, a[ao + i], b[bo + i], c[co + i])} for {@code i < n}, in that order. */
    void max3(float[] a, int ao, float[] b, int bo, float[] c, int co, float[] out, int n);

    /** {@code acc[i] = max(acc[i], row[ro + i])} for {@code i < n}. */
    void maxInto(float[] row, int ro, float[] acc, int n);

    /**
     * One row of a window in the argmax of the column maxima: {@code arg[i] = min(arg[i], row[ro + i]'s bits equal
     * max[i]'s ? idx + i : Integer.MAX_VALUE)} for {@code i < n}: the least flat index at which the column's maximum
     * stands, as {@link CpuPooling} needs it (integer arithmetic and minima only, no branch).
     */
    void argmaxInto(float[] row, int ro, float[] max, int[] arg, int idx, int n);

    /**
     * Floats (and ints) that a scratch array must hold beyond the columns it uses: the vector forms load and store
     * whole vectors past the last column or window.
     */
    int WINDOW_SLACK = 64;

    /**
     * The maxima of {@code count} 3-wide windows at {@code stride} over column maxima:
     * {@code out[o + p] = max(max(cm[w], cm[w + 1]), cm[w + 2])} with {@code w = c0 + p * stride}, for
     * {@code p < count}. {@code cm} holds {@link #WINDOW_SLACK} elements past {@code c0 + stride * (count - 1) + 3}.
     */
    void windowMax3(float[] cm, int c0, int stride, float[] out, int o, int count);

    /**
     * The same for 2-wide windows (VGG's 2x2 poolings): {@code out[o + p] = max(cm[w], cm[w + 1])} with
     * {@code w = c0 + p * stride}.
     */
    void windowMax2(float[] cm, int c0, int stride, float[] out, int o, int count);

    /**
     * Their argmax, given the maxima in {@code out}: {@code mask[o + p]} is the least of {@code ca[w + t]} over the
     * {@code t < 3} whose {@code cm[w + t]} has the bits of {@code out[o + p]} (see {@link #argmaxInto}), as a float,
     * or -1 where none has. {@code cm} and {@code ca} hold {@link #WINDOW_SLACK} elements past the windows.
     */
    void windowArgmax3(float[] cm, int[] ca, int c0, int stride, float[] out, float[] mask, int o, int count);

    /**
     * Max pooling of one {@code h x w} plane with a 3x3 window at stride 1, padding 1 (GoogLeNet's inception
     * branches), separably: {@code out[ob + r*w + c] = max(-FLT_MAX, in[ib + r'*w + c'])} over the rows
     * {@code r' in [r-1, r+1]} and columns {@code c' in [c-1, c+1]} inside the plane (Caffe clips the windows).
     * {@code rowMax} is scratch of at least {@code (h + 2) * w + }{@link #WINDOW_SLACK} floats.
     */
    void max3x3Pad1(float[] in, int ib, int h, int w, float[] rowMax, float[] out, int ob);

    /** {@code y[i] = max(x[i], 0)} for {@code i in [from, to)} ({@code y} may be {@code x}). */
    void relu(float[] x, float[] y, int from, int to);

    /** The fastest implementation this JVM runs. */
    static MaxRuns best() {
        return Simd.best(() -> new VectorMaxRuns(), JavaMaxRuns::new);
    }
}

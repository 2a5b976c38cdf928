package org.cortado.backend.cpu;

/**
 * Unit-stride loops of {@link Math#max} (a NaN wins, +0 above -0), which HotSpot leaves scalar: max pooling's column
 * maxima of a window's rows and their argmax (see {@link CpuPooling}) and ReLU. The Vector API runs them three times as fast on
 * AVX-512. Both implementations give the same bits; chosen as {@link LrnRuns} is.
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

    /** {@code y[i] = max(x[i], 0)} for {@code i in [from, to)} ({@code y} may be {@code x}). */
    void relu(float[] x, float[] y, int from, int to);

    /** The fastest implementation this JVM runs. */
    static MaxRuns best() {
        return Simd.best(() -> new VectorMaxRuns(), JavaMaxRuns::new);
    }
}

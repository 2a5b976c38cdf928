package org.cortado.backend.cpu;

/**
 * Unit-stride loops of {@link Math#max} (a NaN wins, +0 above -0), which HotSpot leaves scalar: max pooling's column
 * maxima of a window's rows (see {@link CpuPooling}) and ReLU. The Vector API runs them three times as fast on
 * AVX-512. Both implementations give the same bits; chosen as {@link LrnRuns} is.
 */
interface MaxRuns {
    /** {@code out[i] = max(-FLT_MAX, a[ao + i], b[bo + i], c[co + i])} for {@code i < n}, in that order. */
    void max3(float[] a, int ao, float[] b, int bo, float[] c, int co, float[] out, int n);

    /** {@code acc[i] = max(acc[i], row[ro + i])} for {@code i < n}. */
    void maxInto(float[] row, int ro, float[] acc, int n);

    /** {@code y[i] = max(x[i], 0)} for {@code i in [from, to)} ({@code y} may be {@code x}). */
    void relu(float[] x, float[] y, int from, int to);

    /** The fastest implementation this JVM runs. */
    static MaxRuns best() {
        return Simd.best(() -> new VectorMaxRuns(), JavaMaxRuns::new);
    }
}

package org.cortado.backend.cpu;

/**
 * The unit-stride inner loop of max pooling (see {@link CpuPooling}): the maximum of a window's rows, column by
 * column, with {@link Math#max}'s semantics (a NaN wins, +0 above -0). HotSpot does not vectorise this loop; the Vector
 * API does, three times as fast on AVX-512. Both implementations give the same bits; chosen as {@link LrnRuns} is.
 */
interface PoolingRuns {
    /** {@code out[i] = max(-FLT_MAX, a[ao + i], b[bo + i], c[co + i])} for {@code i < n}, in that order. */
    void max3(float[] a, int ao, float[] b, int bo, float[] c, int co, float[] out, int n);

    /** {@code acc[i] = max(acc[i], row[ro + i])} for {@code i < n}. */
    void maxInto(float[] row, int ro, float[] acc, int n);

    /** The fastest implementation this JVM runs. */
    static PoolingRuns best() {
        return Simd.best(() -> new VectorPoolingRuns(), JavaPoolingRuns::new);
    }
}

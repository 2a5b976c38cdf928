package org.cortado.backend.cpu;

/** {@link PoolingRuns} in plain loops: the reference for {@link VectorPoolingRuns}, and what runs without it. */
final class JavaPoolingRuns implements PoolingRuns {
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
}

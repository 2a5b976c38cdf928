package org.cortado.backend.cpu;

/**
 * Single-precision matrix product {@code C = alpha * op(A) * op(B) + beta * C}, row-major, in pure Java.
 *
 * <p>op(B) is packed into a contiguous {@code kc x n} panel per block of {@code KC} inner indices, so that the inner
 * loop is a unit-stride {@code c[j] += a * b[j]} that HotSpot's superword pass turns into vector FMAs, over a row
 * segment of C that stays in L1. Rows of C are split over the worker threads. A zero {@code a} skips its row of B,
 * which pays off behind ReLUs, where most activations are zero.
 */
final class Gemm {
    /** Inner-dimension block: a packed panel of KC rows stays in L2 while every row of A walks over it. */
    static final int KC = 256;
    /** Columns of C per task: a row segment of NC floats stays in L1. */
    static final int NC = 1024;

    private final Parallel parallel;

    Gemm(Parallel parallel) {
        this.parallel = parallel;
    }

    void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
              float[] a, int aOff, float[] b, int bOff, float beta, float[] c, int cOff) {
        if (m == 0 || n == 0) {
            return;
        }
        scale(m, n, beta, c, cOff);
        if (k == 0 || alpha == 0f) {
            return;
        }
        int nBlocks = (n + NC - 1) / NC;
        float[] panel = new float[Math.min(KC, k) * n];
        for (int pc = 0; pc < k; pc += KC) {
            int kc = Math.min(KC, k - pc);
            pack(transB, n, k, b, bOff, pc, kc, panel);
            final int p0 = pc;
            // Tasks are (row, column block) pairs so that a product with one row still uses every thread.
            int tasks = m * nBlocks;
            int grain = Math.max(1, (int) (65536L / Math.max(1, (long) kc * Math.min(n, NC))));
            parallel.forRange(tasks, grain, (start, end) -> {
                for (int t = start; t < end; t++) {
                    int i = t / nBlocks;
                    int jc = (t % nBlocks) * NC;
                    int nc = Math.min(NC, n - jc);
                    int cRow = cOff + i * n + jc;
                    for (int kk = 0; kk < kc; kk++) {
                        int p = p0 + kk;
                        float av = transA ? a[aOff + p * m + i] : a[aOff + i * k + p];
                        if (av == 0f) {
                            continue;
                        }
                        av *= alpha;
                        int bRow = kk * n + jc;
                        for (int j = 0; j < nc; j++) {
                            c[cRow + j] += av * panel[bRow + j];
                        }
                    }
                }
            });
        }
    }

    /** Copies rows {@code [pc, pc+kc)} of op(B) ({@code k x n}) into {@code panel}, row-major. */
    private void pack(boolean transB, int n, int k, float[] b, int bOff, int pc, int kc, float[] panel) {
        if (!transB) {
            System.arraycopy(b, bOff + pc * n, panel, 0, kc * n);
            return;
        }
        // B is stored n x k: read it row by row (unit stride) and scatter into the panel's columns.
        parallel.forRange(n, 64, (start, end) -> {
            for (int j = start; j < end; j++) {
                int src = bOff + j * k + pc;
                for (int kk = 0; kk < kc; kk++) {
                    panel[kk * n + j] = b[src + kk];
                }
            }
        });
    }

    private void scale(int m, int n, float beta, float[] c, int cOff) {
        if (beta == 1f) {
            return;
        }
        int total = m * n;
        if (beta == 0f) {
            java.util.Arrays.fill(c, cOff, cOff + total, 0f);
        } else {
            for (int i = 0; i < total; i++) {
                c[cOff + i] *= beta;
            }
        }
    }
}

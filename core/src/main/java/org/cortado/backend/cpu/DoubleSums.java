package org.cortado.backend.cpu;

/**
 * Sums of float runs in double with eight independent accumulators. One running sum is a chain of dependent
 * additions, each waiting the adder's latency (about 1 ns per element); eight chains keep both adders busy, so the
 * bias gradient of SqueezeNet's conv1 (19 million elements at batch 16) is bound by reading memory instead. The
 * order of the additions differs from one running sum, which in double changes the float result only in rare
 * last-bit cases (the GPU's reductions use yet another order).
 */
final class DoubleSums {
    private DoubleSums() {
    }

    /** Whether {@link #sum} takes {@link VectorDoubleSums} (which adds in yet another order). */
    private static final boolean VECTOR = Simd.usable() && vectorLinks();

    private static boolean vectorLinks() {
        try {
            return VectorDoubleSums.sum(new float[1], 0, 1) == 0;
        } catch (LinkageError | IllegalStateException e) {
            return false;
        }
    }

    /** {@code a[from] + ... + a[to - 1]} in double. */
    static double sum(float[] a, int from, int to) {
        return VECTOR ? VectorDoubleSums.sum(a, from, to) : plainSum(a, from, to);
    }

    /** {@link #sum} in plain Java. */
    static double plainSum(float[] a, int from, int to) {
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        double s4 = 0;
        double s5 = 0;
        double s6 = 0;
        double s7 = 0;
        int i = from;
        for (; i + 7 < to; i += 8) {
            s0 += a[i];
            s1 += a[i + 1];
            s2 += a[i + 2];
            s3 += a[i + 3];
            s4 += a[i + 4];
            s5 += a[i + 5];
            s6 += a[i + 6];
            s7 += a[i + 7];
        }
        for (; i < to; i++) {
            s0 += a[i];
        }
        return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
    }

    /** {@code a[from]^2 + ... + a[to - 1]^2} in double (each square exact). */
    static double sumOfSquares(float[] a, int from, int to) {
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        double s4 = 0;
        double s5 = 0;
        double s6 = 0;
        double s7 = 0;
        int i = from;
        for (; i + 7 < to; i += 8) {
            double v0 = a[i];
            double v1 = a[i + 1];
            double v2 = a[i + 2];
            double v3 = a[i + 3];
            double v4 = a[i + 4];
            double v5 = a[i + 5];
            double v6 = a[i + 6];
            double v7 = a[i + 7];
            s0 += v0 * v0;
            s1 += v1 * v1;
            s2 += v2 * v2;
            s3 += v3 * v3;
            s4 += v4 * v4;
            s5 += v5 * v5;
            s6 += v6 * v6;
            s7 += v7 * v7;
        }
        for (; i < to; i++) {
            double v = a[i];
            s0 += v * v;
        }
        return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
    }
}

package org.cortado.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The {@link GemmKernel} on the incubating Vector API: an 8 x (2 vectors) tile of C held in 16 vector registers
 * while the packed panels stream past, one broadcast of A and one FMA per accumulator and step. With AVX-512 that
 * is an 8 x 32 tile; HotSpot's auto-vectoriser cannot keep accumulators in registers across the k loop, which is
 * what makes this kernel about ten times faster than {@link JavaGemmKernel} here.
 *
 * <p>Only loaded when the module {@code jdk.incubator.vector} is present (see {@link GemmKernel#best()}).
 */
final class VectorGemmKernel implements GemmKernel {
    /**
     * The widest species (512 or 256 bits; {@link GemmKernel#best()} takes the plain kernel below that), chosen with a
     * conditional expression. On JDK 17 the kernel runs a hundred times slower (C2 leaves the vectors boxed;
     * bench/RESULTS.md, "What helped") when this field is {@code SPECIES_PREFERRED} itself or comes from a
     * {@code switch}.
     */
    private static final VectorSpecies<Float> S =
            FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 512 ? FloatVector.SPECIES_512 : FloatVector.SPECIES_256;
    /**
     * AVX-512 has 32 vector registers, AVX2 16: an 8-row tile needs 16 accumulators plus two rows of B and a
     * broadcast, which with 16 registers spills accumulators in the k loop, so 256-bit vectors take 6 rows (12
     * accumulators), the usual AVX2 tile (bench/RESULTS.md, "The GEMM tile on AVX2").
     */
    private static final boolean WIDE = FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 512;
    private static final int L = S.length();
    static final int MR = WIDE ? 8 : 6;
    static final int NR = 2 * L;
    /** Where row p of a packed strip starts, {@code p * NR}, for {@link #tile8}'s row table. */
    private static final int[] PACKED_ROWS = new int[Gemm.KC_MAX];

    static {
        for (int p = 0; p < PACKED_ROWS.length; p++) {
            PACKED_ROWS[p] = p * NR;
        }
    }


    VectorGemmKernel() {
        // Touch the species so that a JVM without a usable Vector API fails here, inside GemmKernel.best().
        if (L < 8) {
            throw new IllegalStateException("vector species of " + L + " lanes");
        }
    }

    @Override
    public int mr() {
        return MR;
    }

    @Override
    public int nr() {
        return NR;
    }

    @Override
    public String name() {
        return "vector(" + S.vectorBitSize() + " bit)";
    }

    @Override
    public void tile(int kc, float[] ap, int apOff, float[] b, int[] bRows, int bRowsOff, int bCol, float[] c,
                     int cOff, int ldc, int rows, int cols, float[] rowInit, int rowInitOff, float[] scratch,
                     boolean relu) {
        if (WIDE) {
            // The 8-row tile (not measurable on an AVX2 host) keeps its table lookup for packed strips too.
            tile8(kc, ap, apOff, b, bRows == null ? PACKED_ROWS : bRows, bRows == null ? 0 : bRowsOff, bCol, scratch);
        } else {
            tile6(kc, ap, apOff, b, bRows, bRowsOff, bCol, scratch);
        }
        // The write-back is called from here, not from the k loop's method: its branches (partial columns, adding to
        // C, ReLU) are compiled from a profile that a first pass may not have filled, and a trap there throws away
        // the compiled code it sits in. Here that is this small method; tile6 and tile8 (too big to be inlined into
        // it) keep their C2 code and keep running unboxed (bench/RESULTS.md, "Start-up on Zen 3").
        writeTile(scratch, c, cOff, ldc, rows, cols, rowInit, rowInitOff, relu);
    }

    /** The tile on 8 rows (AVX-512: 16 accumulators of the 32 registers). */
    private static void tile8(int kc, float[] ap, int apOff, float[] b, int[] bRows, int bRowsOff, int bCol,
                              float[] scratch) {
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S);
        FloatVector c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S);
        FloatVector c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S);
        FloatVector c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S);
        FloatVector c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S);
        FloatVector c51 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S);
        FloatVector c61 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S);
        FloatVector c71 = FloatVector.zero(S);
        int ao = apOff;
        for (int p = 0; p < kc; p++, ao += 8) {
            int bo = bRows[bRowsOff + p] + bCol;
            FloatVector b0 = FloatVector.fromArray(S, b, bo);
            FloatVector b1 = FloatVector.fromArray(S, b, bo + L);
            FloatVector x = FloatVector.broadcast(S, ap[ao]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, ap[ao + 1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, ap[ao + 2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, ap[ao + 3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, ap[ao + 4]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, ap[ao + 5]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(S, ap[ao + 6]);
            c60 = x.fma(b0, c60);
            c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(S, ap[ao + 7]);
            c70 = x.fma(b0, c70);
            c71 = x.fma(b1, c71);
        }
        // Spill to the thread's scratch tile, which tile() adds to C in a separate method: writing back from the
        // accumulators directly doubles this method's inlined vector operations, and past C2's inlining budget the
        // vectors of the k loop get boxed (a hundredfold slowdown).
        float[] t = scratch;
        c00.intoArray(t, 0);
        c01.intoArray(t, L);
        c10.intoArray(t, NR);
        c11.intoArray(t, NR + L);
        c20.intoArray(t, 2 * NR);
        c21.intoArray(t, 2 * NR + L);
        c30.intoArray(t, 3 * NR);
        c31.intoArray(t, 3 * NR + L);
        c40.intoArray(t, 4 * NR);
        c41.intoArray(t, 4 * NR + L);
        c50.intoArray(t, 5 * NR);
        c51.intoArray(t, 5 * NR + L);
        c60.intoArray(t, 6 * NR);
        c61.intoArray(t, 6 * NR + L);
        c70.intoArray(t, 7 * NR);
        c71.intoArray(t, 7 * NR + L);
    }

    /**
     * The tile on 6 rows (AVX2: 12 accumulators, two rows of B and a broadcast in the 16 registers). A packed strip
     * ({@code bRows} null) is stepped through by its row stride, which on long products ran
     * measurably faster than a table lookup per row (bench/RESULTS.md, "The host changed"). Spelled out like
     * {@link #tile8} rather than sharing code with it: C2 keeps the accumulators in registers only as locals of one
     * method, and a helper that takes or returns them would box them.
     */
    private static void tile6(int kc, float[] ap, int apOff, float[] b, int[] bRows, int bRowsOff, int bCol,
                              float[] scratch) {
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S);
        FloatVector c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S);
        FloatVector c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S);
        FloatVector c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S);
        FloatVector c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S);
        FloatVector c51 = FloatVector.zero(S);
        int ao = apOff;
        for (int p = 0; p < kc; p++, ao += 6) {
            int bo = bRows == null ? bCol + p * NR : bRows[bRowsOff + p] + bCol;
            FloatVector b0 = FloatVector.fromArray(S, b, bo);
            FloatVector b1 = FloatVector.fromArray(S, b, bo + L);
            FloatVector x = FloatVector.broadcast(S, ap[ao]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, ap[ao + 1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, ap[ao + 2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, ap[ao + 3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, ap[ao + 4]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, ap[ao + 5]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
        }
        float[] t = scratch;
        c00.intoArray(t, 0);
        c01.intoArray(t, L);
        c10.intoArray(t, NR);
        c11.intoArray(t, NR + L);
        c20.intoArray(t, 2 * NR);
        c21.intoArray(t, 2 * NR + L);
        c30.intoArray(t, 3 * NR);
        c31.intoArray(t, 3 * NR + L);
        c40.intoArray(t, 4 * NR);
        c41.intoArray(t, 4 * NR + L);
        c50.intoArray(t, 5 * NR);
        c51.intoArray(t, 5 * NR + L);
    }

    /**
     * {@code C[r, q] = rowInit[rowInitOff + r] + t[r * NR + q]} (or {@code C[r, q] += t[r * NR + q]} when
     * {@code rowInit} is null) for the valid part of a tile, clamped at zero with {@code relu}. The clamp is a branch,
     * not a max with minus infinity: for a 1x1 layer's short K it would cost a fifth of the tile.
     */
    private static void writeTile(float[] t, float[] c, int cOff, int ldc, int rows, int cols, float[] rowInit,
                                  int rowInitOff, boolean relu) {
        if (cols == NR) {
            for (int r = 0; r < rows; r++) {
                int off = cOff + r * ldc;
                FloatVector base0;
                FloatVector base1;
                if (rowInit != null) {
                    base0 = FloatVector.broadcast(S, rowInit[rowInitOff + r]);
                    base1 = base0;
                } else {
                    base0 = FloatVector.fromArray(S, c, off);
                    base1 = FloatVector.fromArray(S, c, off + L);
                }
                FloatVector v0 = base0.add(FloatVector.fromArray(S, t, r * NR));
                FloatVector v1 = base1.add(FloatVector.fromArray(S, t, r * NR + L));
                if (relu) {
                    v0 = v0.max(0f);
                    v1 = v1.max(0f);
                }
                v0.intoArray(c, off);
                v1.intoArray(c, off + L);
            }
            return;
        }
        for (int r = 0; r < rows; r++) {
            int cRow = cOff + r * ldc;
            for (int q = 0; q < cols; q++) {
                float v = (rowInit != null ? rowInit[rowInitOff + r] : c[cRow + q]) + t[r * NR + q];
                c[cRow + q] = relu ? Math.max(v, 0f) : v;
            }
        }
    }

    @Override
    public void dotRows(int m, int n, int k, float alpha, float[] a, int aOff, float[] b, int bOff, float[] c,
                        int cOff, int j0, int j1) {
        int kv = k - k % L;
        int j = j0;
        for (; j + 3 < j1; j += 4) {
            int i = 0;
            for (; i + 1 < m; i += 2) {
                dot2x4(n, k, kv, alpha, a, aOff + i * k, b, bOff + j * k, c, cOff + i * n + j);
            }
            if (i < m) {
                dot1x4(k, kv, alpha, a, aOff + i * k, b, bOff + j * k, c, cOff + i * n + j);
            }
        }
        for (; j < j1; j++) {
            for (int i = 0; i < m; i++) {
                int aRow = aOff + i * k;
                int bRow = bOff + j * k;
                FloatVector s = FloatVector.zero(S);
                for (int p = 0; p < kv; p += L) {
                    s = FloatVector.fromArray(S, a, aRow + p).fma(FloatVector.fromArray(S, b, bRow + p), s);
                }
                float sum = s.reduceLanes(VectorOperators.ADD);
                for (int p = kv; p < k; p++) {
                    sum = Math.fma(a[aRow + p], b[bRow + p], sum);
                }
                c[cOff + i * n + j] += alpha * sum;
            }
        }
    }

    /** Two rows of A against four rows of B: eight accumulators, six loads per eight FMAs. */
    private static void dot2x4(int n, int k, int kv, float alpha, float[] a, int a0, float[] b, int b0, float[] c,
                               int c0) {
        int a1 = a0 + k;
        int b1 = b0 + k;
        int b2 = b1 + k;
        int b3 = b2 + k;
        FloatVector s00 = FloatVector.zero(S);
        FloatVector s01 = s00;
        FloatVector s02 = s00;
        FloatVector s03 = s00;
        FloatVector s10 = s00;
        FloatVector s11 = s00;
        FloatVector s12 = s00;
        FloatVector s13 = s00;
        for (int p = 0; p < kv; p += L) {
            FloatVector x0 = FloatVector.fromArray(S, a, a0 + p);
            FloatVector x1 = FloatVector.fromArray(S, a, a1 + p);
            FloatVector y = FloatVector.fromArray(S, b, b0 + p);
            s00 = x0.fma(y, s00);
            s10 = x1.fma(y, s10);
            y = FloatVector.fromArray(S, b, b1 + p);
            s01 = x0.fma(y, s01);
            s11 = x1.fma(y, s11);
            y = FloatVector.fromArray(S, b, b2 + p);
            s02 = x0.fma(y, s02);
            s12 = x1.fma(y, s12);
            y = FloatVector.fromArray(S, b, b3 + p);
            s03 = x0.fma(y, s03);
            s13 = x1.fma(y, s13);
        }
        c[c0] += alpha * finish(s00, a, a0, b, b0, kv, k);
        c[c0 + 1] += alpha * finish(s01, a, a0, b, b1, kv, k);
        c[c0 + 2] += alpha * finish(s02, a, a0, b, b2, kv, k);
        c[c0 + 3] += alpha * finish(s03, a, a0, b, b3, kv, k);
        c[c0 + n] += alpha * finish(s10, a, a1, b, b0, kv, k);
        c[c0 + n + 1] += alpha * finish(s11, a, a1, b, b1, kv, k);
        c[c0 + n + 2] += alpha * finish(s12, a, a1, b, b2, kv, k);
        c[c0 + n + 3] += alpha * finish(s13, a, a1, b, b3, kv, k);
    }

    /** One row of A against four rows of B. */
    private static void dot1x4(int k, int kv, float alpha, float[] a, int a0, float[] b, int b0, float[] c, int c0) {
        int b1 = b0 + k;
        int b2 = b1 + k;
        int b3 = b2 + k;
        FloatVector s0 = FloatVector.zero(S);
        FloatVector s1 = s0;
        FloatVector s2 = s0;
        FloatVector s3 = s0;
        for (int p = 0; p < kv; p += L) {
            FloatVector x = FloatVector.fromArray(S, a, a0 + p);
            s0 = x.fma(FloatVector.fromArray(S, b, b0 + p), s0);
            s1 = x.fma(FloatVector.fromArray(S, b, b1 + p), s1);
            s2 = x.fma(FloatVector.fromArray(S, b, b2 + p), s2);
            s3 = x.fma(FloatVector.fromArray(S, b, b3 + p), s3);
        }
        c[c0] += alpha * finish(s0, a, a0, b, b0, kv, k);
        c[c0 + 1] += alpha * finish(s1, a, a0, b, b1, kv, k);
        c[c0 + 2] += alpha * finish(s2, a, a0, b, b2, kv, k);
        c[c0 + 3] += alpha * finish(s3, a, a0, b, b3, kv, k);
    }

    /** The lane sum of a dot-product accumulator plus the scalar tail {@code [kv, k)}. */
    private static float finish(FloatVector s, float[] a, int aRow, float[] b, int bRow, int kv, int k) {
        float sum = s.reduceLanes(VectorOperators.ADD);
        for (int p = kv; p < k; p++) {
            sum = Math.fma(a[aRow + p], b[bRow + p], sum);
        }
        return sum;
    }
}

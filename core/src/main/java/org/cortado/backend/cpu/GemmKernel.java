package org.cortado.backend.cpu;

/**
 * The innermost loops of {@link Gemm}: one register tile of C from packed panels, and the unpacked dot-product form
 * for products with few rows and a transposed B (an inner product layer at small batch). Two implementations:
 * {@link VectorGemmKernel} (the incubating Vector API, explicit FMAs on the widest vectors) and
 * {@link JavaGemmKernel} (plain loops), chosen at run time by {@link #best()}.
 */
interface GemmKernel {
    /** Rows of a register tile. */
    int mr();

    /** Columns of a register tile. */
    int nr();

    /** A short name for messages and benchmarks. */
    String name();

    /**
     * {@code C[0..rows, 0..cols] += Ap * Bp} where {@code Ap} is an {@code mr x kc} panel stored column by column
     * ({@code ap[apOff + p*mr + r]}) and {@code Bp} a {@code kc x nr} panel whose row p is the run
     * {@code b[bRows[bRowsOff + p] + bCol + q]}, {@code q < nr}: a full-width strip of a B that is read where it lies
     * (a matrix's rows, or the shifted rows of a padded image), or, with {@code bRows} null, a packed strip whose
     * row p starts at {@code bCol + p*nr} (the kernel then steps through B without a table lookup per row; kc is at
     * most {@link Gemm#KC_MAX});
     * C starts at {@code cOff} with row stride {@code ldc}. Rows past {@code rows} and columns past {@code cols} of
     * the panels are zero padding or ignored, and are not written. With {@code rowInit} not
     * null, C is not read: {@code C[r, q] = rowInit[rowInitOff + r] + (Ap * Bp)[r, q]} (a bias per row, or zeros),
     * which saves the product's first pass a read of C and the caller a pass to initialise it. {@code scratch}: at
     * least {@code mr() * nr()} floats of the calling thread's own (the tile on its way to C), passed in so that the
     * kernel, called once per tile, does not look it up. With {@code relu}, the tile's valid part of C is then
     * clamped to {@code max(C, 0)} as {@link Math#max(float, float)} does (the caller's last K block of a
     * convolution fused with its ReLU). Modified: c, scratch.
     */
    void tile(int kc, float[] ap, int apOff, float[] b, int[] bRows, int bRowsOff, int bCol, float[] c, int cOff,
              int ldc, int rows, int cols, float[] rowInit, int rowInitOff, float[] scratch, boolean relu);

    /**
     * {@code C[i, j] += alpha * sum_p A[i, p] * B[j, p]} for {@code i in [0, m)}, {@code j in [j0, j1)}: A is
     * {@code m x k} row-major at {@code aOff}, B {@code n x k} row-major at {@code bOff} (a transposed operand read
     * along its rows, so that nothing needs packing), C {@code m x n} at {@code cOff}. Modified: c.
     */
    void dotRows(int m, int n, int k, float alpha, float[] a, int aOff, float[] b, int bOff, float[] c, int cOff,
                 int j0, int j1);

    /** The fastest kernel this JVM can run: the Vector API one where {@link Simd#usable()}, else plain Java. */
    static GemmKernel best() {
        return Simd.best(() -> new VectorGemmKernel(), JavaGemmKernel::new);
    }
}

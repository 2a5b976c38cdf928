package org.cortado.backend.cpu;

import java.util.Arrays;

/**
 * Single-precision matrix product {@code C = alpha * op(A) * op(B) + beta * C}, row-major, in pure Java, blocked
 * as in GotoBLAS / BLIS: op(A) (times alpha) is packed whole into strips of {@code MR} rows, a {@code KC x NC}
 * block of op(B) into strips of {@code NR} columns, and a {@link GemmKernel} multiplies one strip of each into an
 * {@code MR x NR} tile of C held in registers. Packing makes every transpose case read the same unit-stride panels
 * and keeps the panels in L1 (B strip) and L2 (an {@code MC x KC} block of A).
 *
 * <p>A is packed once per product and shared by the threads; a caller that multiplies the same A by several
 * matrices (a convolution's weights by each image's columns) packs it once with {@link #pack} and passes the
 * {@link PackedA} to each product: for a 3x3 layer at 13x13 pixels, packing A costs a third of the product.
 *
 * <p>Products with few rows and a transposed B (inner product layers at small batch: the weights are stored
 * {@code n x k}) skip packing: copying B would cost as much as the product, which is bound by reading B once.
 *
 * <p>Threads split C into column (or row) ranges of whole tiles, each packing its own panels; callers that already
 * run one product per thread (a batch split over images) ask for a serial product.
 */
final class Gemm {
    /**
     * The inner-dimension block that sizes B's packed blocks ({@code KC x NC} floats, see {@link #NC}); a product's
     * K blocks themselves are {@link #kBlock} long.
     */
    static final int KC = 256;
    /**
     * The longest K block of a product whose B is packed: a product with K up to this runs as one block, so that
     * each tile of C is written once and each tile's k loop is long; a longer K is cut into equal blocks no longer
     * than this. Against blocks of {@link #KC}, 1x1 layers with K = 512-1024 read 0-15% faster, within the noise of
     * the loaded machine; products that read B in place keep blocks of KC, so that their strips stay in L1
     * (bench/RESULTS.md, "GEMM-based convolutions on AVX2").
     */
    static final int KC_MAX = 1024;
    /** Rows of A per block: an MC x KC block of packed A (128 KB) stays in L2 while a B strip is in L1. */
    static final int MC = 128;
    /**
     * Columns of B per packed block: KC x NC floats (512 KB) stay in L2, which beat blocks of 2048 columns
     * (bench/RESULTS.md, "What helped"); longer K blocks take proportionally fewer columns ({@link #nBlock}).
     */
    static final int NC = 512;
    /** Up to this many rows of A (per thread), a product reads a B stored {@code k x n} in place (see {@link #blocked}). */
    static final int IN_PLACE_MAX_ROWS = 64;
    /** Up to this many rows, a product with transposed B takes the unpacked dot-product form. */
    static final int DOT_MAX_ROWS = 16;
    /** Products of fewer multiply-adds than this run on the calling thread: forking costs microseconds. */
    static final long PARALLEL_MIN_MACS = 1L << 20;

    private final Parallel parallel;
    private final GemmKernel kernel;
    private final int mr;
    private final int nr;
    /** {@link #MC} rounded down to whole strips of {@code mr} rows, so that each block starts on a strip. */
    private final int mcBlock;
    private final ThreadLocal<float[]> aPanels;
    private final ThreadLocal<float[]> bPanels;
    /** Per thread: the kernel's tile on its way to C. */
    private final ThreadLocal<float[]> tileScratch;
    /** Per thread: a block of a {@link Scattered} product's output. */
    private final ThreadLocal<float[]> blocks = ThreadBuffers.floats();

    /**
     * {@code alpha * op(A)} ({@code m x k}) packed in strips of MR rows: strip t holds
     * {@code data[t*MR*k + p*MR + r] = alpha * op(A)[t*MR + r, p]}, zero past row m. Any KC block of a strip is
     * then a contiguous run of {@code kc*MR} floats starting at {@code t*MR*k + pc*MR}.
     */
    record PackedA(int m, int k, int mr, float[] data) {
    }

    /**
     * Where the product's B comes from: something that packs any {@code kc x nc} block of the {@code k x n} op(B),
     * starting at row {@code pc} and column {@code jc}, into strips of {@code nr} columns:
     * {@code bp[s*kc*nr + p*nr + q] = op(B)[pc+p, jc+s*nr+q]}, zero past column nc. A matrix in memory is one
     * ({@link #packB}); a convolution's im2col matrix, gathered straight from the image, is another
     * ({@link Im2col#packPanel}), which saves writing that matrix and reading it back.
     */
    @FunctionalInterface
    interface PanelSource {
        void pack(int pc, int kc, int jc, int nc, int nr, float[] bp);
    }

    Gemm(Parallel parallel) {
        this(parallel, GemmKernel.best());
    }

    Gemm(Parallel parallel, GemmKernel kernel) {
        this.parallel = parallel;
        this.kernel = kernel;
        this.mr = kernel.mr();
        this.nr = kernel.nr();
        this.mcBlock = MC / mr * mr;
        this.aPanels = ThreadBuffers.floats();
        this.bPanels = ThreadLocal.withInitial(() -> new float[KC * NC]);
        this.tileScratch = ThreadLocal.withInitial(() -> new float[kernel.mr() * kernel.nr()]);
    }

    /** The micro-kernel in use ("vector(512 bit)" or "java"). */
    String kernelName() {
        return kernel.name();
    }

    void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
              float[] a, int aOff, float[] b, int bOff, float beta, float[] c, int cOff) {
        gemm(transA, transB, m, n, k, alpha, a, aOff, b, bOff, beta, c, cOff, true);
    }

    /**
     * As {@link #gemm(boolean, boolean, int, int, int, float, float[], int, float[], int, float, float[], int)};
     * {@code parallelize} false keeps the whole product on the calling thread. Modified: c.
     */
    void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
              float[] a, int aOff, float[] b, int bOff, float beta, float[] c, int cOff, boolean parallelize) {
        if (m == 0 || n == 0) {
            return;
        }
        boolean packedPath = !(transB && m <= DOT_MAX_ROWS && !transA);
        if (!(packedPath && beta == 0f && k > 0 && alpha != 0f)) {
            scale(m, n, beta, c, cOff);
        }
        if (k == 0 || alpha == 0f) {
            return;
        }
        boolean split = parallelize && parallel.threads() > 1 && (long) m * n * k >= PARALLEL_MIN_MACS;
        if (!packedPath) {
            int groups = (n + 3) / 4;
            if (!split) {
                kernel.dotRows(m, n, k, alpha, a, aOff, b, bOff, c, cOff, 0, n);
                return;
            }
            parallel.forRange(groups, 1, (s, e) ->
                    kernel.dotRows(m, n, k, alpha, a, aOff, b, bOff, c, cOff, 4 * s, Math.min(n, 4 * e)));
            return;
        }
        float[] buffer = ThreadBuffers.atLeast(aPanels, packedSize(m, k));
        PackedA pa = pack(transA, m, k, alpha, a, aOff, buffer, split);
        // With beta 0 the first K block writes C instead of adding to it (C was zeroed above only for the dot form).
        multiply(pa, dense(transB, b, bOff, n, k), n, c, cOff, split, beta == 0f ? zeros(m) : null, 0, false);
    }

    /** Rows of the kernel's register tile. */
    int mr() {
        return mr;
    }

    /** Columns of the kernel's register tile. */
    int nr() {
        return nr;
    }

    /** The K block of a product of inner dimension {@code k}: k up to {@link #KC_MAX}, else k cut into equal blocks. */
    static int kBlock(int k) {
        int blocks = (k + KC_MAX - 1) / KC_MAX;
        return (k + blocks - 1) / blocks;
    }

    /** Columns of B per packed block for K blocks of {@code kc}: a block stays {@code KC x NC} floats at most. */
    private int nBlock(int kc) {
        return Math.max(nr, Math.min(NC, KC * NC / Math.max(kc, 1) / nr * nr));
    }

    /** Zeros as row initialisers for {@code m} rows (shared, never written). */
    private static float[] zeros(int m) {
        float[] z = zeroRows;
        if (z.length < m) {
            z = new float[Math.max(m, 2 * z.length)];
            zeroRows = z;
        }
        return z;
    }

    private static volatile float[] zeroRows = new float[1024];

    /** Floats needed to pack an {@code m x k} A. */
    int packedSize(int m, int k) {
        return (m + mr - 1) / mr * mr * k;
    }

    /**
     * Packs {@code alpha * op(A)} ({@code m x k}; stored {@code k x m} when {@code transA}) into {@code buffer}
     * (at least {@link #packedSize} floats; modified), for use with
     * {@link #gemm(PackedA, boolean, int, float[], int, float, float[], int, boolean)}.
     */
    PackedA pack(boolean transA, int m, int k, float alpha, float[] a, int aOff, float[] buffer,
                 boolean parallelize) {
        if (!transA) {
            return packRuns(m, k, alpha, a, aOff, k, k, k, buffer, parallelize);
        }
        forEachStrip(m, k, parallelize, t -> packTransposedStrip(t, m, k, alpha, a, aOff, buffer));
        return new PackedA(m, k, mr, buffer);
    }

    /**
     * Packs {@code alpha * A} ({@code m x k}) whose row i lies in runs of {@code run} values at {@code aOff + i*lda},
     * one run per {@code stride} columns: {@code A[i, p] = a[aOff + i*lda + (p / stride)*run + p % stride]} where
     * {@code p % stride < run}, and zero in the other {@code stride - run} columns. A row-major matrix is one run
     * per row ({@code run = stride = k}, {@code lda = k}); a convolution's output gradient on the grid of
     * {@link ShiftedRows} is one run per output row, so that it is packed straight from where it lies. As
     * {@link #pack}, into {@code buffer} (modified).
     */
    PackedA packRuns(int m, int k, float alpha, float[] a, int aOff, int lda, int run, int stride, float[] buffer,
                     boolean parallelize) {
        forEachStrip(m, k, parallelize, t -> packRunStrip(t, m, k, alpha, a, aOff, lda, run, stride, buffer));
        return new PackedA(m, k, mr, buffer);
    }

    /** Elements of A from which its packing is split over the threads. */
    private static final long PARALLEL_PACK_MIN = 1 << 16;

    /** Runs {@code strip} for each strip of MR rows of an {@code m x k} A, over the threads if it is large enough. */
    private void forEachStrip(int m, int k, boolean parallelize, java.util.function.IntConsumer strip) {
        int strips = (m + mr - 1) / mr;
        if (parallelize && strips > 1 && (long) m * k >= PARALLEL_PACK_MIN) {
            parallel.forRange(strips, 1, (s, e) -> {
                for (int t = s; t < e; t++) {
                    strip.accept(t);
                }
            });
        } else {
            for (int t = 0; t < strips; t++) {
                strip.accept(t);
            }
        }
    }

    /**
     * Columns of a strip packed row after row before the next block: the block's {@code PACK_BLOCK x MR} floats
     * stay in L1 while each row's run is read into them. Row after row over the whole strip, each row's pass swept
     * all of the strip's {@code k x MR} floats through the cache again, twice as slow as blocks of 64 or 128 columns
     * (bench/RESULTS.md, "Figures moved from code comments").
     */
    static final int PACK_BLOCK = 128;

    /** Strip {@code t} of {@link #packRuns}' A. */
    private void packRunStrip(int t, int m, int k, float alpha, float[] a, int aOff, int lda, int run, int stride,
                              float[] ap) {
        int i0 = t * mr;
        int rows = Math.min(mr, m - i0);
        int base = t * mr * k;
        for (int s0 = 0; s0 < k; s0 += stride) {
            int valuesEnd = Math.min(k, s0 + run);
            // Element p of this run of row i is at a[from + i*lda + p].
            int from = aOff + (s0 / stride) * run - s0;
            for (int p0 = s0; p0 < valuesEnd; p0 += PACK_BLOCK) {
                int p1 = Math.min(valuesEnd, p0 + PACK_BLOCK);
                for (int r = 0; r < rows; r++) {
                    int src = from + (i0 + r) * lda;
                    // The destination as its own induction variable: indexed as base + p*mr + r, with mr a field,
                    // the loop took half as long again (bench/RESULTS.md, "Figures moved from code comments").
                    for (int p = p0, d = base + p0 * mr + r; p < p1; p++, d += mr) {
                        ap[d] = alpha * a[src + p];
                    }
                }
            }
            Zeros.fill(ap, base + valuesEnd * mr, base + Math.min(k, s0 + stride) * mr);
        }
        zeroPaddingRows(ap, base, rows, k);
    }

    /**
     * {@code C = A * op(B) + beta * C} with A packed by {@link #pack} (alpha already applied); op(B) is
     * {@code k x n} (stored {@code n x k} when {@code transB}). Modified: c.
     */
    void gemm(PackedA pa, boolean transB, int n, float[] b, int bOff, float beta, float[] c, int cOff,
              boolean parallelize) {
        if (beta == 0f) {
            gemmWithRowInit(pa, transB, n, b, bOff, null, 0, c, cOff, parallelize, false);
            return;
        }
        int m = pa.m();
        if (m == 0 || n == 0) {
            return;
        }
        scale(m, n, beta, c, cOff);
        if (pa.k() == 0) {
            return;
        }
        boolean split = parallelize && parallel.threads() > 1 && (long) m * n * pa.k() >= PARALLEL_MIN_MACS;
        multiply(pa, dense(transB, b, bOff, n, pa.k()), n, c, cOff, split, null, 0, false);
    }

    /**
     * {@code C += A * op(B)} with A packed by {@link #pack} and op(B) ({@code k x n}) packed by {@code source} (not a
     * {@link Scattered} one). Modified: c.
     */
    void gemmAccumulate(PackedA pa, PanelSource source, int n, float[] c, int cOff, boolean parallelize) {
        if (source instanceof Scattered) {
            throw new IllegalArgumentException("an accumulated product cannot scatter its columns");
        }
        int m = pa.m();
        if (m == 0 || n == 0 || pa.k() == 0) {
            return;
        }
        boolean split = parallelize && parallel.threads() > 1 && (long) m * n * pa.k() >= PARALLEL_MIN_MACS;
        multiply(pa, source, n, c, cOff, split, null, 0, false);
    }

    /**
     * {@code C[i, j] = rowInit[rowInitOff + i] + (A * op(B))[i, j]} with A packed by {@link #pack}: a convolution's
     * bias, or zeros when {@code rowInit} is null; with {@code relu}, {@code max(that, 0)} (a convolution fused with
     * its ReLU: the clamp rides on the last write of each tile). C is not read, and is written once. Modified: c.
     */
    void gemmWithRowInit(PackedA pa, boolean transB, int n, float[] b, int bOff, float[] rowInit, int rowInitOff,
                         float[] c, int cOff, boolean parallelize, boolean relu) {
        gemmWithRowInit(pa, dense(transB, b, bOff, n, pa.k()), n, rowInit, rowInitOff, c, cOff, parallelize, relu);
    }

    /**
     * As above, with op(B) ({@code k x n}) packed (or read in place) by {@code source}; a {@link Scattered} source
     * says where C's columns go. Modified: c.
     */
    void gemmWithRowInit(PackedA pa, PanelSource source, int n, float[] rowInit, int rowInitOff, float[] c, int cOff,
                         boolean parallelize, boolean relu) {
        int m = pa.m();
        if (m == 0 || n == 0) {
            return;
        }
        float[] init = rowInit != null ? rowInit : zeros(m);
        int initOff = rowInit != null ? rowInitOff : 0;
        if (pa.k() == 0) {
            if (source instanceof Scattered) {
                throw new IllegalArgumentException("a product with scattered columns needs k > 0");
            }
            for (int i = 0; i < m; i++) {
                float v = init[initOff + i];
                Arrays.fill(c, cOff + i * n, cOff + (i + 1) * n, relu ? Math.max(v, 0f) : v);
            }
            return;
        }
        boolean split = parallelize && parallel.threads() > 1 && (long) m * n * pa.k() >= PARALLEL_MIN_MACS;
        multiply(pa, source, n, c, cOff, split, init, initOff, relu);
    }

    /**
     * {@code rowInit} null: C += A * op(B); else the first K block writes C from rowInit (see GemmKernel#tile). With
     * {@code relu} the last K block clamps C at zero.
     */
    private void multiply(PackedA pa, PanelSource source, int n, float[] c, int cOff, boolean split, float[] rowInit,
                          int rowInitOff, boolean relu) {
        int m = pa.m();
        if (!split) {
            blocked(pa, source, n, c, cOff, 0, m, 0, n, rowInit, rowInitOff, relu);
            return;
        }
        int rowTiles = (m + mr - 1) / mr;
        int colTiles = (n + nr - 1) / nr;
        // Split the dimension with more tiles, so that both threads get whole, equally many tiles.
        if (colTiles >= rowTiles) {
            parallel.forRange(colTiles, 1, (s, e) -> blocked(pa, source, n, c, cOff, 0, m, s * nr,
                    Math.min(n, e * nr), rowInit, rowInitOff, relu));
        } else {
            parallel.forRange(rowTiles, 1, (s, e) -> blocked(pa, source, n, c, cOff, s * mr,
                    Math.min(m, e * mr), 0, n, rowInit, rowInitOff, relu));
        }
    }

    /**
     * {@code C[i0..i1, j0..j1] += A[i0..i1, :] * op(B)[:, j0..j1]} on the calling thread (with {@code rowInit}: C is
     * set, not added to; see {@link #gemmWithRowInit}); i0 is a multiple of MR.
     */
    private void blocked(PackedA pa, PanelSource source, int n, float[] c, int cOff, int i0, int i1, int j0, int j1,
                         float[] rowInit, int rowInitOff, boolean relu) {
        int k = pa.k();
        float[] ap = pa.data();
        float[] bp = bPanels.get();
        float[] scratch = tileScratch.get();
        // With few rows of A, each packed element of B would serve few tiles, and packing would cost as much as the
        // product (SqueezeNet's squeeze layers: 16 to 64 rows); the kernel then reads B's full-width strips where
        // they lie, and only the last, narrower strip is packed.
        InPlace inPlace = source instanceof InPlace s && s.readInPlace(i1 - i0) ? s : null;
        // A B packed whole beforehand is read where it lies, panel by panel, and never packed here.
        PackedB prepacked = source instanceof PackedB p && p.nr() == nr ? p : null;
        int[] rowsInPlace = inPlace == null ? null : inPlace.rowStarts();
        // Columns that are not C's own go through a block of this thread's, handed on once complete.
        Scattered scattered = source instanceof Scattered s ? s : null;
        float[] target = scattered == null ? c : ThreadBuffers.atLeast(blocks, (i1 - i0) * NC);
        int ldTarget = scattered == null ? n : NC;
        // B read in place keeps K blocks of KC: its strips, rows of runs that lie apart, stay in L1 only that short
        // (see KC_MAX).
        int kcBlock = inPlace != null ? KC : kBlock(k);
        int ncBlock = nBlock(kcBlock);
        for (int jc = j0; jc < j1; jc += ncBlock) {
            int nc = Math.min(ncBlock, j1 - jc);
            int inPlaceCols = inPlace == null ? 0 : nc - nc % nr;
            for (int pc = 0; pc < k; pc += kcBlock) {
                int kc = Math.min(kcBlock, k - pc);
                if (inPlaceCols < nc && prepacked == null) {
                    source.pack(pc, kc, jc + inPlaceCols, nc - inPlaceCols, nr, bp);
                }
                // Every tile of C meets its first K block (pc = 0) before any other, and its last after all
                // others, on this thread.
                float[] init = pc == 0 ? rowInit : null;
                boolean last = relu && pc + kc == k;
                for (int ic = i0; ic < i1; ic += mcBlock) {
                    int mc = Math.min(mcBlock, i1 - ic);
                    for (int jr = 0; jr < nc; jr += nr) {
                        int cols = Math.min(nr, nc - jr);
                        boolean here = jr < inPlaceCols;
                        float[] b = here ? inPlace.data() : prepacked != null ? prepacked.data() : bp;
                        // A packed strip has no row table (null): its rows are nr apart.
                        int[] bRows = here ? rowsInPlace : null;
                        int bRowsOff = here ? pc : 0;
                        int bCol = here ? jc + jr : prepacked != null ? prepacked.panel(pc, jc + jr)
                                : ((jr - inPlaceCols) / nr) * kc * nr;
                        int tOff = scattered == null ? cOff + jc + jr : jr - i0 * NC;
                        for (int ir = 0; ir < mc; ir += mr) {
                            int aStrip = (ic + ir) / mr * mr * k + pc * mr;
                            kernel.tile(kc, ap, aStrip, b, bRows, bRowsOff, bCol, target,
                                    tOff + (ic + ir) * ldTarget, ldTarget, Math.min(mr, mc - ir), cols, init,
                                    rowInitOff + ic + ir, scratch, last);
                        }
                    }
                }
            }
            if (scattered != null) {
                scattered.scatter(target, NC, i0, i1, jc, nc, c, cOff);
            }
        }
    }

    /** op(B) read from memory: {@code k x n} at bOff, or stored {@code n x k} when {@code transB}. */
    private static PanelSource dense(boolean transB, float[] b, int bOff, int n, int k) {
        return new DenseB(transB, b, bOff, n, k);
    }

    /**
     * A {@link PanelSource} whose rows lie in memory with unit stride along the columns: row p of op(B) is
     * {@code data()[rowStarts()[p] + j]}, so the kernel can read full-width strips where they lie, skipping the copy.
     */
    interface InPlace extends PanelSource {
        float[] data();

        /** Where each row of op(B) starts in {@link #data()}: k entries. */
        int[] rowStarts();

        /** Whether a product over {@code rows} rows of A should read B in place rather than pack it. */
        boolean readInPlace(int rows);
    }

    /**
     * A {@link PanelSource} whose product columns are not laid out as C's: the product is computed one block of
     * {@link #NC} columns at a time into a buffer of the thread's (which stays in its L2), and each finished block is
     * handed to {@link #scatter} to write where its columns belong.
     */
    interface Scattered extends PanelSource {
        /**
         * Rows {@code [i0, i1)} of the product's columns {@code [j0, j0 + nc)}, row r at {@code block[(r - i0) *
         * ldBlock + j - j0]}, into C at {@code cOff}. Modified: c.
         */
        void scatter(float[] block, int ldBlock, int i0, int i1, int j0, int nc, float[] c, int cOff);
    }

    /** op(B) in memory, as {@link #dense} describes; read in place when stored {@code k x n} and A has few rows. */
    private record DenseB(boolean transB, float[] data, int bOff, int n, int k) implements InPlace {
        @Override
        public void pack(int pc, int kc, int jc, int nc, int nr, float[] bp) {
            packB(transB, data, bOff, n, k, pc, kc, jc, nc, nr, bp);
        }

        @Override
        public int[] rowStarts() {
            int[] starts = new int[k];
            for (int p = 0; p < k; p++) {
                starts[p] = bOff + p * n;
            }
            return starts;
        }

        @Override
        public boolean readInPlace(int rows) {
            return !transB && rows <= IN_PLACE_MAX_ROWS;
        }
    }

    /**
     * Packs {@code op(B)[pc..pc+kc, jc..jc+nc]} into strips of NR columns: strip s holds
     * {@code bp[s*kc*NR + p*NR + q] = op(B)[pc+p, jc+s*NR+q]}, zero past column nc.
     */
    private static void packB(boolean transB, float[] b, int bOff, int n, int k, int pc, int kc, int jc, int nc,
                              int nr, float[] bp) {
        for (int jr = 0; jr < nc; jr += nr) {
            int cols = Math.min(nr, nc - jr);
            int base = (jr / nr) * kc * nr;
            if (!transB) {
                for (int p = 0; p < kc; p++) {
                    int dst = base + p * nr;
                    System.arraycopy(b, bOff + (pc + p) * n + jc + jr, bp, dst, cols);
                    Zeros.fill(bp, dst + cols, dst + nr);
                }
            } else {
                // B is stored n x k: each column of op(B) is a row of B, read with unit stride.
                for (int q = 0; q < cols; q++) {
                    int src = bOff + (jc + jr + q) * k + pc;
                    for (int p = 0; p < kc; p++) {
                        bp[base + p * nr + q] = b[src + p];
                    }
                }
                for (int q = cols; q < nr; q++) {
                    for (int p = 0; p < kc; p++) {
                        bp[base + p * nr + q] = 0f;
                    }
                }
            }
        }
    }

    /** Packs strip {@code t} of {@code alpha * A^T}, A stored {@code k x m}, in the layout of {@link PackedA}. */
    private void packTransposedStrip(int t, int m, int k, float alpha, float[] a, int aOff, float[] ap) {
        int i0 = t * mr;
        int rows = Math.min(mr, m - i0);
        int base = t * mr * k;
        // A step of p in the strip is contiguous in memory across r.
        for (int p = 0; p < k; p++) {
            int src = aOff + p * m + i0;
            int dst = base + p * mr;
            for (int r = 0; r < rows; r++) {
                ap[dst + r] = alpha * a[src + r];
            }
        }
        zeroPaddingRows(ap, base, rows, k);
    }

    /** Zeros rows {@code [rows, mr)} of the strip at {@code base}: A's last strip past row m. */
    private void zeroPaddingRows(float[] ap, int base, int rows, int k) {
        if (rows < mr) {
            for (int p = 0; p < k; p++) {
                Zeros.fill(ap, base + p * mr + rows, base + (p + 1) * mr);
            }
        }
    }

    private static void scale(int m, int n, float beta, float[] c, int cOff) {
        if (beta == 1f) {
            return;
        }
        int total = m * n;
        if (beta == 0f) {
            Arrays.fill(c, cOff, cOff + total, 0f);
        } else {
            for (int i = 0; i < total; i++) {
                c[cOff + i] *= beta;
            }
        }
    }
}

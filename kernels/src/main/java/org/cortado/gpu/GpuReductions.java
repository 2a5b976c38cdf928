package org.cortado.gpu;

import org.cortado.backend.InvalidLabelException;
import org.cortado.backend.LabelledSum;
import org.cortado.backend.RowReduction;
import org.cortado.backend.TopK;
import org.cortado.tensor.Tensor;

/**
 * The GPU's reductions: those that end on the host (sums of squares, and the losses' sums through
 * {@link #reduceLabelled}) reduce to per-block partials in one device buffer, which the host adds in block order; the
 * bias gradient's channel sums; and Caffe's Reduction, MVN and ArgMax ({@code reduction.cu}, reference
 * {@code CpuReductions}).
 */
final class GpuReductions {
    /** The most blocks a reduction (sumOfSquares, losses) launches: each adds a strided share, the host the blocks. */
    private static final int MAX_PARTIAL_BLOCKS = 1024;
    /** Doubles in the partials buffer: three per block of a loss reduction. */
    private static final int PARTIAL_DOUBLES = 3 * MAX_PARTIAL_BLOCKS;
    /** Values of a channel one block of the split bias gradient adds (64 per thread). */
    static final int BIAS_VALUES_PER_BLOCK = 64 * Kernel.BLOCK;

    private final GpuDevice device;
    /** Per-block partial sums of the reductions, as doubles (two float slots each); allocated on first use. */
    private DeviceBuffer partials;

    GpuReductions(GpuDevice device) {
        this.device = device;
    }

    double sumOfSquares(Tensor x) {
        int n = x.count();
        int grid = partialBlocks(n);
        DeviceBuffer p = partials();
        device.launchGrid(Kernel.SUM_SQUARES, grid, device.addr(x), p.address(0), n);
        double sum = 0;
        for (double v : downloadDoubles(p, grid)) {
            sum += v;
        }
        return sum;
    }

    /** {@code dbias[c] += } the sum of channel {@code c} of {@code dout}: one block per channel, or split. */
    void biasBackward(Tensor dout, Tensor dbias, int outer, int channels, int inner) {
        if (channels == 0) {
            return;
        }
        int splits = biasSplits(outer, channels, inner);
        if (splits == 1) {
            device.launchGrid(Kernel.BIAS_BACKWARD, channels, device.addr(dout), device.addr(dbias), outer, channels,
                    inner);
            return;
        }
        DeviceBuffer p = partials();
        device.launchGrid(Kernel.BIAS_BACKWARD_SPLIT, channels * splits, device.addr(dout), p.address(0), outer,
                channels, inner, splits);
        device.launch(Kernel.BIAS_BACKWARD_FINISH, channels, p.address(0), device.addr(dbias), channels, splits);
    }

    /**
     * How many blocks share each channel of a bias gradient: one per {@link #BIAS_VALUES_PER_BLOCK} values of the
     * channel, as many as the partials buffer holds; 1 (one block per channel, no second pass) for small channels.
     */
    static int biasSplits(int outer, int channels, int inner) {
        long per = (long) outer * inner;
        long wanted = (per + BIAS_VALUES_PER_BLOCK - 1) / BIAS_VALUES_PER_BLOCK;
        return (int) Math.max(1, Math.min(wanted, PARTIAL_DOUBLES / channels));
    }

    /**
     * Launches a loss-type reduction over {@code n} work items (kernel arguments {@code args}, which name
     * {@link #partialsAddress()}) and adds the blocks' partials (sum, labelled count, lowest invalid position) in
     * block order.
     *
     * @throws InvalidLabelException naming the lowest invalid label position any block found
     */
    LabelledSum reduceLabelled(Kernel k, int n, Tensor labels, int classes, Object... args) {
        int grid = partialBlocks(n);
        device.launchGrid(k, grid, args);
        double[] part = downloadDoubles(partials(), 3 * grid);
        double sum = 0;
        double labelled = 0;
        double bad = Integer.MAX_VALUE;
        for (int b = 0; b < grid; b++) {
            sum += part[3 * b];
            labelled += part[3 * b + 1];
            bad = Math.min(bad, part[3 * b + 2]);
        }
        if (bad < Integer.MAX_VALUE) {
            float[] value = new float[1];
            device.current().download(device.buf(labels).address((long) bad), value, 0, 1);
            throw new InvalidLabelException(value[0], (long) bad, classes);
        }
        return new LabelledSum(sum, (long) labelled);
    }

    /** Where the reduction kernels write their partials: up to {@link #MAX_PARTIAL_BLOCKS} blocks of three doubles. */
    long partialsAddress() {
        return partials().address(0);
    }

    private DeviceBuffer partials() {
        if (partials == null) {
            partials = device.allocateBuffer(2 * PARTIAL_DOUBLES);
        }
        return partials;
    }

    /** Blocks of a reduction over {@code n} work items: one per block's worth, at most {@link #MAX_PARTIAL_BLOCKS}. */
    private static int partialBlocks(int n) {
        return (int) Math.max(1, Math.min(MAX_PARTIAL_BLOCKS, ((long) n + Kernel.BLOCK - 1) / Kernel.BLOCK));
    }

    /** {@code count} doubles from the start of {@code b}, which kernels wrote as doubles (two float slots each). */
    private double[] downloadDoubles(DeviceBuffer b, int count) {
        float[] raw = new float[2 * count];
        device.current().download(b.address(0), raw, 0, raw.length);
        double[] out = new double[count];
        for (int i = 0; i < count; i++) {
            // A little-endian double in two floats (x86-64 and every CUDA GPU are little-endian).
            long lo = Float.floatToRawIntBits(raw[2 * i]) & 0xffffffffL;
            long hi = Float.floatToRawIntBits(raw[2 * i + 1]) & 0xffffffffL;
            out[i] = Double.longBitsToDouble(hi << 32 | lo);
        }
        return out;
    }

    // ---- Caffe's Reduction, MVN and ArgMax -------------------------------------------------------------------------

    void reduceRows(RowReduction op, Tensor in, Tensor out, int rows, int dim, float coeff) {
        device.launchBlocks(Kernel.REDUCE_ROWS, rows, device.addr(in), device.addr(out), op.ordinal(), rows, dim,
                coeff);
    }

    void reduceRowsBackward(RowReduction op, Tensor in, Tensor dout, Tensor dinp, int rows, int dim, float coeff) {
        device.run(Kernel.REDUCE_ROWS_BACKWARD, rows * dim, device.addr(in), device.addr(dout), device.addr(dinp),
                op.ordinal(), dim, coeff, rows * dim);
    }

    void mvnForward(Tensor in, Tensor out, Tensor std, int rows, int dim, boolean normalizeVariance, float eps) {
        device.launchBlocks(Kernel.MVN_FORWARD, rows, device.addr(in), device.addr(out), device.addrOrNull(std), rows,
                dim, normalizeVariance ? 1 : 0, eps);
    }

    void mvnBackward(Tensor out, Tensor std, Tensor dout, Tensor dinp, int rows, int dim, boolean normalizeVariance) {
        device.launchBlocks(Kernel.MVN_BACKWARD, rows, device.addr(out), device.addrOrNull(std), device.addr(dout),
                device.addr(dinp), rows, dim, normalizeVariance ? 1 : 0);
    }

    void argMax(Tensor in, Tensor out, TopK k) {
        device.run(Kernel.ARGMAX, k.outer() * k.inner(), device.addr(in), device.addr(out), k.outer(), k.dim(),
                k.inner(), k.k(), k.outerStride(), k.indexOffset(), k.valueOffset());
    }
}

package org.cortado.gpu;

import org.cortado.backend.LabelledSum;
import org.cortado.backend.LayerOps;
import org.cortado.backend.Pointwise;
import org.cortado.backend.PoolGeometry;
import org.cortado.backend.RowReduction;
import org.cortado.backend.TopK;
import org.cortado.tensor.Tensor;

/**
 * {@link LayerOps} on the GPU backend's own kernels: {@code activations.cu} (neuron functions, PReLU),
 * {@code reduction.cu} (Reduction, MVN, ArgMax), {@code copy.cu} (Crop's window, Embed), {@code pooling.cu}
 * (STOCHASTIC) and {@code loss.cu} (the losses, reduced to a few doubles per block as SoftmaxWithLoss's are). Each
 * kernel repeats its CPU reference loop ({@code org.cortado.backend.cpu}); {@code BackendOpsContract} checks them
 * against it.
 */
final class GpuLayerOps implements LayerOps {
    /** The rank {@code copy_window_kernel1} takes; a window is merged or padded to it. */
    private static final int WINDOW_RANK = 4;

    private final GpuBackend g;

    GpuLayerOps(GpuBackend g) {
        this.g = g;
    }

    // ---- neuron functions and PReLU ------------------------------------------------------------------------------

    @Override
    public void pointwiseForward(Pointwise f, Tensor in, Tensor out) {
        g.run(Kernel.POINTWISE_FORWARD, in.count(), g.addr(in), g.addr(out), f.kind().ordinal(), f.a(), f.b(), f.c(),
                in.count());
    }

    @Override
    public void pointwiseBackward(Pointwise f, Tensor in, Tensor out, Tensor dout, Tensor dinp) {
        if (!f.hasBackward()) {
            throw new UnsupportedOperationException(f.kind() + " has no backward pass");
        }
        g.run(Kernel.POINTWISE_BACKWARD, in.count(), g.addr(in), g.addr(out), g.addr(dout), g.addr(dinp),
                f.kind().ordinal(), f.a(), f.b(), f.c(), f.d(), in.count());
    }

    @Override
    public void preluForward(Tensor in, Tensor slope, Tensor out, int outer, int channels, int inner) {
        g.run(Kernel.PRELU_FORWARD, in.count(), g.addr(in), g.addr(slope), g.addr(out), channels, inner, in.count());
    }

    @Override
    public void preluBackward(Tensor in, Tensor slope, Tensor dout, Tensor dinp, int outer, int channels, int inner) {
        g.run(Kernel.PRELU_BACKWARD, in.count(), g.addr(in), g.addr(slope), g.addr(dout), g.addr(dinp), channels,
                inner, in.count());
    }

    /** The terms {@code dout * x * (x <= 0)} into a tensor of their own, then the bias gradient's channel sums. */
    @Override
    public void preluSlopeBackward(Tensor in, Tensor dout, Tensor dslope, int outer, int channels, int inner) {
        Tensor terms = g.allocate(in.shape());
        g.run(Kernel.PRELU_SLOPE_TERMS, in.count(), g.addr(in), g.addr(dout), g.addr(terms), in.count());
        g.biasBackward(terms, dslope, outer, channels, inner);
    }

    // ---- data movement -------------------------------------------------------------------------------------------

    @Override
    public void copyWindow(Tensor big, int[] offsets, Tensor small, boolean intoBig) {
        window(big.shape().dims(), offsets, small.shape().dims(), g.buf(big), 0, g.buf(small), 0, intoBig);
    }

    /**
     * Merges each axis that the window keeps whole into the axis before it (the window's rows stay the same elements),
     * pads to {@link #WINDOW_RANK} axes with leading 1s, and launches; a window of more axes than that after merging
     * runs as one launch per index of its first axis.
     */
    private void window(int[] bigDims, int[] offsets, int[] smallDims, DeviceBuffer big, long bigAt,
                        DeviceBuffer small, long smallAt, boolean intoBig) {
        int rank = smallDims.length;
        int[] b = new int[rank];
        int[] s = new int[rank];
        int[] o = new int[rank];
        int r = 0;
        for (int a = 0; a < rank; a++) {
            boolean whole = offsets[a] == 0 && smallDims[a] == bigDims[a];
            if (r > 0 && whole) {
                o[r - 1] *= bigDims[a];
                b[r - 1] *= bigDims[a];
                s[r - 1] *= smallDims[a];
            } else {
                b[r] = bigDims[a];
                s[r] = smallDims[a];
                o[r] = offsets[a];
                r++;
            }
        }
        if (r > WINDOW_RANK) {
            long bigStep = 1;
            long smallStep = 1;
            for (int a = 1; a < r; a++) {
                bigStep *= b[a];
                smallStep *= s[a];
            }
            int[] bRest = java.util.Arrays.copyOfRange(b, 1, r);
            int[] oRest = java.util.Arrays.copyOfRange(o, 1, r);
            int[] sRest = java.util.Arrays.copyOfRange(s, 1, r);
            for (int i = 0; i < s[0]; i++) {
                window(bRest, oRest, sRest, big, bigAt + (i + o[0]) * bigStep, small, smallAt + i * smallStep,
                        intoBig);
            }
            return;
        }
        int[] bb = pad(b, r);
        int[] ss = pad(s, r);
        int[] oo = new int[WINDOW_RANK];
        System.arraycopy(o, 0, oo, WINDOW_RANK - r, r);
        int n = ss[0] * ss[1] * ss[2] * ss[3];
        g.run(Kernel.COPY_WINDOW, n, big.address(bigAt), small.address(smallAt), intoBig ? 1 : 0, ss[1], ss[2], ss[3],
                bb[1], bb[2], bb[3], oo[0], oo[1], oo[2], oo[3], n);
    }

    /** The first {@code r} dimensions with leading 1s up to {@link #WINDOW_RANK}. */
    private static int[] pad(int[] dims, int r) {
        int[] out = {1, 1, 1, 1};
        System.arraycopy(dims, 0, out, WINDOW_RANK - r, r);
        return out;
    }

    @Override
    public void embedForward(Tensor indices, Tensor weight, Tensor out, int inputDim) {
        // Throws InvalidLabelException for the first index outside the table, as the CPU's lookup does.
        int rows = indices.count();
        g.reduceLabelled(Kernel.CHECK_INDICES, rows, indices, inputDim, g.addr(indices), g.partials().address(0), rows,
                inputDim);
        int numOutput = weight.shape().dim(1);
        g.run(Kernel.EMBED_FORWARD, out.count(), g.addr(indices), g.addr(weight), g.addr(out), numOutput, out.count());
    }

    @Override
    public void embedBackward(Tensor indices, Tensor dout, Tensor dweight) {
        int numOutput = dweight.shape().dim(1);
        g.run(Kernel.EMBED_BACKWARD, numOutput, g.addr(indices), g.addr(dout), g.addr(dweight), indices.count(),
                numOutput);
    }

    // ---- reductions ---------------------------------------------------------------------------------------------

    @Override
    public void reduceRows(RowReduction op, Tensor in, Tensor out, int rows, int dim, float coeff) {
        g.launchBlocks(Kernel.REDUCE_ROWS, rows, g.addr(in), g.addr(out), op.ordinal(), rows, dim, coeff);
    }

    @Override
    public void reduceRowsBackward(RowReduction op, Tensor in, Tensor dout, Tensor dinp, int rows, int dim,
                                   float coeff) {
        g.run(Kernel.REDUCE_ROWS_BACKWARD, rows * dim, g.addr(in), g.addr(dout), g.addr(dinp), op.ordinal(), dim, coeff,
                rows * dim);
    }

    @Override
    public void mvnForward(Tensor in, Tensor out, Tensor std, int rows, int dim, boolean normalizeVariance,
                           float eps) {
        g.launchBlocks(Kernel.MVN_FORWARD, rows, g.addr(in), g.addr(out), std == null ? 0L : g.addr(std), rows, dim,
                normalizeVariance ? 1 : 0, eps);
    }

    @Override
    public void mvnBackward(Tensor out, Tensor std, Tensor dout, Tensor dinp, int rows, int dim,
                            boolean normalizeVariance) {
        g.launchBlocks(Kernel.MVN_BACKWARD, rows, g.addr(out), std == null ? 0L : g.addr(std), g.addr(dout),
                g.addr(dinp), rows, dim, normalizeVariance ? 1 : 0);
    }

    @Override
    public void argMax(Tensor in, Tensor out, TopK k) {
        g.run(Kernel.ARGMAX, k.outer() * k.inner(), g.addr(in), g.addr(out), k.outer(), k.dim(), k.inner(), k.k(),
                k.outerStride(), k.indexOffset(), k.valueOffset());
    }

    // ---- stochastic pooling --------------------------------------------------------------------------------------

    @Override
    public void stochasticPoolForward(PoolGeometry geometry, Tensor in, Tensor out) {
        g.run(Kernel.STO_POOL_TEST, out.count(), g.addr(in), g.addr(out), GpuBackend.pool(geometry));
    }

    @Override
    public void stochasticPoolSample(PoolGeometry geometry, Tensor in, Tensor out, Tensor mask, long seed) {
        g.run(Kernel.STO_POOL_TRAIN, out.count(), g.addr(in), g.addr(out), g.addr(mask), seed,
                GpuBackend.pool(geometry));
    }

    // ---- losses --------------------------------------------------------------------------------------------------

    @Override
    public LabelledSum sigmoidCrossEntropyLossForward(Tensor scores, Tensor targets, Integer ignoreLabel) {
        int n = scores.count();
        return g.reduceLabelled(Kernel.SIGMOID_CE_FORWARD, n, targets, 0, g.addr(scores), g.addr(targets),
                g.partials().address(0), n, ignoreLabel == null ? 0 : 1, ignoreLabel == null ? 0 : ignoreLabel);
    }

    @Override
    public void sigmoidCrossEntropyLossBackward(Tensor sigmoid, Tensor targets, Tensor dinp, Integer ignoreLabel,
                                                float scale) {
        g.run(Kernel.SIGMOID_CE_BACKWARD, dinp.count(), g.addr(sigmoid), g.addr(targets), g.addr(dinp), dinp.count(),
                ignoreLabel == null ? 0 : 1, ignoreLabel == null ? 0 : ignoreLabel, scale);
    }

    @Override
    public double multinomialLogisticLossForward(Tensor prob, Tensor labels, int num, int dim) {
        return g.reduceLabelled(Kernel.MLOGISTIC_FORWARD, num, labels, dim, g.addr(prob), g.addr(labels),
                g.partials().address(0), num, dim).sum();
    }

    @Override
    public void multinomialLogisticLossBackward(Tensor prob, Tensor labels, Tensor dinp, int num, int dim,
                                                float scale) {
        g.run(Kernel.MLOGISTIC_BACKWARD, num * dim, g.addr(prob), g.addr(labels), g.addr(dinp), num, dim, scale);
    }

    @Override
    public LabelledSum infogainLossForward(Tensor prob, Tensor labels, Tensor infogain, int outer, int channels,
                                           int inner, Integer ignoreLabel) {
        return g.reduceLabelled(Kernel.INFOGAIN_FORWARD, outer * inner, labels, channels, g.addr(prob),
                g.addr(labels), g.addr(infogain), g.partials().address(0), outer, channels, inner,
                ignoreLabel == null ? 0 : 1, ignoreLabel == null ? 0 : ignoreLabel);
    }

    @Override
    public void infogainLossBackward(Tensor prob, Tensor labels, Tensor infogain, Tensor dinp, int outer,
                                     int channels, int inner, Integer ignoreLabel, float scale) {
        g.run(Kernel.INFOGAIN_BACKWARD, dinp.count(), g.addr(prob), g.addr(labels), g.addr(infogain), g.addr(dinp),
                outer, channels, inner, ignoreLabel == null ? 0 : 1, ignoreLabel == null ? 0 : ignoreLabel, scale);
    }

    @Override
    public double contrastiveLossForward(Tensor a, Tensor b, Tensor similar, Tensor distSq, int num, int channels,
                                         float margin, boolean legacy) {
        return g.reduceLabelled(Kernel.CONTRASTIVE_FORWARD, num, similar, 0, g.addr(a), g.addr(b), g.addr(similar),
                g.addr(distSq), g.partials().address(0), num, channels, margin, legacy ? 1 : 0).sum();
    }

    @Override
    public void contrastiveLossBackward(Tensor a, Tensor b, Tensor similar, Tensor distSq, Tensor dinp, int num,
                                        int channels, float margin, boolean legacy, float alpha) {
        g.run(Kernel.CONTRASTIVE_BACKWARD, num * channels, g.addr(a), g.addr(b), g.addr(similar), g.addr(distSq),
                g.addr(dinp), num, channels, margin, legacy ? 1 : 0, alpha);
    }
}

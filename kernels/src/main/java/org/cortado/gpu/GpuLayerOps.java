package org.cortado.gpu;

import org.cortado.backend.LabelledSum;
import org.cortado.backend.LayerOps;
import org.cortado.backend.Pointwise;
import org.cortado.backend.PoolGeometry;
import org.cortado.backend.RowReduction;
import org.cortado.backend.TopK;
import org.cortado.tensor.Tensor;

/**
 * {@link LayerOps} on the GPU backend's op classes, as {@code CpuLayerOps} is on the CPU's: the neuron functions and
 * PReLU ({@link GpuActivations}), Crop's window and Embed ({@link GpuCopies}), Reduction, MVN and ArgMax
 * ({@link GpuReductions}), STOCHASTIC pooling ({@link GpuPooling}) and the losses ({@link GpuLosses}). Each kernel
 * repeats its CPU reference loop ({@code org.cortado.backend.cpu}); {@code LayerOpsContract} checks them against it.
 */
final class GpuLayerOps implements LayerOps {
    private final GpuActivations activations;
    private final GpuCopies copies;
    private final GpuReductions reductions;
    private final GpuPooling pooling;
    private final GpuLosses losses;

    GpuLayerOps(GpuActivations activations, GpuCopies copies, GpuReductions reductions, GpuPooling pooling,
                GpuLosses losses) {
        this.activations = activations;
        this.copies = copies;
        this.reductions = reductions;
        this.pooling = pooling;
        this.losses = losses;
    }

    // ---- neuron functions and PReLU ------------------------------------------------------------------------------

    @Override
    public void pointwiseForward(Pointwise f, Tensor in, Tensor out) {
        activations.pointwiseForward(f, in, out);
    }

    @Override
    public void pointwiseBackward(Pointwise f, Tensor in, Tensor out, Tensor dout, Tensor dinp) {
        activations.pointwiseBackward(f, in, out, dout, dinp);
    }

    @Override
    public void preluForward(Tensor in, Tensor slope, Tensor out, int outer, int channels, int inner) {
        activations.preluForward(in, slope, out, channels, inner);
    }

    @Override
    public void preluBackward(Tensor in, Tensor slope, Tensor dout, Tensor dinp, int outer, int channels, int inner) {
        activations.preluBackward(in, slope, dout, dinp, channels, inner);
    }

    @Override
    public void preluSlopeBackward(Tensor in, Tensor dout, Tensor dslope, int outer, int channels, int inner) {
        activations.preluSlopeBackward(in, dout, dslope, outer, channels, inner);
    }

    // ---- data movement -------------------------------------------------------------------------------------------

    @Override
    public void copyWindow(Tensor big, int[] offsets, Tensor small, boolean intoBig) {
        copies.copyWindow(big, offsets, small, intoBig);
    }

    @Override
    public void embedForward(Tensor indices, Tensor weight, Tensor out, int inputDim) {
        copies.embedForward(indices, weight, out, inputDim);
    }

    @Override
    public void embedBackward(Tensor indices, Tensor dout, Tensor dweight) {
        copies.embedBackward(indices, dout, dweight);
    }

    // ---- reductions ---------------------------------------------------------------------------------------------

    @Override
    public void reduceRows(RowReduction op, Tensor in, Tensor out, int rows, int dim, float coeff) {
        reductions.reduceRows(op, in, out, rows, dim, coeff);
    }

    @Override
    public void reduceRowsBackward(RowReduction op, Tensor in, Tensor dout, Tensor dinp, int rows, int dim,
                                   float coeff) {
        reductions.reduceRowsBackward(op, in, dout, dinp, rows, dim, coeff);
    }

    @Override
    public void mvnForward(Tensor in, Tensor out, Tensor std, int rows, int dim, boolean normalizeVariance,
                           float eps) {
        reductions.mvnForward(in, out, std, rows, dim, normalizeVariance, eps);
    }

    @Override
    public void mvnBackward(Tensor out, Tensor std, Tensor dout, Tensor dinp, int rows, int dim,
                            boolean normalizeVariance) {
        reductions.mvnBackward(out, std, dout, dinp, rows, dim, normalizeVariance);
    }

    @Override
    public void argMax(Tensor in, Tensor out, TopK k) {
        reductions.argMax(in, out, k);
    }

    // ---- stochastic pooling --------------------------------------------------------------------------------------

    @Override
    public void stochasticPoolForward(PoolGeometry geometry, Tensor in, Tensor out) {
        pooling.stochasticForward(geometry, in, out);
    }

    @Override
    public void stochasticPoolSample(PoolGeometry geometry, Tensor in, Tensor out, Tensor mask, long seed) {
        pooling.stochasticSample(geometry, in, out, mask, seed);
    }

    // ---- losses --------------------------------------------------------------------------------------------------

    @Override
    public LabelledSum sigmoidCrossEntropyLossForward(Tensor scores, Tensor targets, Integer ignoreLabel) {
        return losses.sigmoidCrossEntropyLossForward(scores, targets, ignoreLabel);
    }

    @Override
    public void sigmoidCrossEntropyLossBackward(Tensor sigmoid, Tensor targets, Tensor dinp, Integer ignoreLabel,
                                                float scale) {
        losses.sigmoidCrossEntropyLossBackward(sigmoid, targets, dinp, ignoreLabel, scale);
    }

    @Override
    public double multinomialLogisticLossForward(Tensor prob, Tensor labels, int num, int dim) {
        return losses.multinomialLogisticLossForward(prob, labels, num, dim);
    }

    @Override
    public void multinomialLogisticLossBackward(Tensor prob, Tensor labels, Tensor dinp, int num, int dim,
                                                float scale) {
        losses.multinomialLogisticLossBackward(prob, labels, dinp, num, dim, scale);
    }

    @Override
    public LabelledSum infogainLossForward(Tensor prob, Tensor labels, Tensor infogain, int outer, int channels,
                                           int inner, Integer ignoreLabel) {
        return losses.infogainLossForward(prob, labels, infogain, outer, channels, inner, ignoreLabel);
    }

    @Override
    public void infogainLossBackward(Tensor prob, Tensor labels, Tensor infogain, Tensor dinp, int outer,
                                     int channels, int inner, Integer ignoreLabel, float scale) {
        losses.infogainLossBackward(prob, labels, infogain, dinp, outer, channels, inner, ignoreLabel, scale);
    }

    @Override
    public double contrastiveLossForward(Tensor a, Tensor b, Tensor similar, Tensor distSq, int num, int channels,
                                         float margin, boolean legacy) {
        return losses.contrastiveLossForward(a, b, similar, distSq, num, channels, margin, legacy);
    }

    @Override
    public void contrastiveLossBackward(Tensor a, Tensor b, Tensor similar, Tensor distSq, Tensor dinp, int num,
                                        int channels, float margin, boolean legacy, float alpha) {
        losses.contrastiveLossBackward(a, b, similar, distSq, dinp, num, channels, margin, legacy, alpha);
    }
}

package org.cortado.backend;

import org.cortado.backend.cpu.CpuActivations;
import org.cortado.backend.cpu.CpuCopies;
import org.cortado.backend.cpu.CpuLosses;
import org.cortado.backend.cpu.CpuReductions;
import org.cortado.backend.cpu.CpuStochasticPooling;
import org.cortado.tensor.Tensor;

/**
 * {@link LayerOps} by the reference loops of {@code org.cortado.backend.cpu} ({@code CpuActivations},
 * {@code CpuReductions}, {@code CpuCopies}, {@code CpuStochasticPooling}, {@code CpuLosses}), on the tensors' host
 * arrays: in place for host tensors (the CPU backend's implementation, whose {@code CpuLayerOps} runs the elementwise
 * loops over its threads), on downloaded copies for device tensors, so that any backend can run every layer.
 */
public class HostLayerOps implements LayerOps {
    private final Backend backend;

    public HostLayerOps(Backend backend) {
        this.backend = backend;
    }

    // ---- neuron functions and PReLU ------------------------------------------------------------------------------

    @Override
    public void pointwiseForward(Pointwise f, Tensor in, Tensor out) {
        HostArrays h = new HostArrays(backend);
        CpuActivations.forward(f, h.input(in), h.output(out), 0, in.count());
        h.commit();
    }

    @Override
    public void pointwiseBackward(Pointwise f, Tensor in, Tensor out, Tensor dout, Tensor dinp) {
        HostArrays h = new HostArrays(backend);
        CpuActivations.backward(f, h.input(in), h.input(out), h.input(dout), h.output(dinp), 0, in.count());
        h.commit();
    }

    @Override
    public void preluForward(Tensor in, Tensor slope, Tensor out, int outer, int channels, int inner) {
        HostArrays h = new HostArrays(backend);
        CpuActivations.preluForward(h.input(in), h.input(slope), h.output(out), channels, inner, 0, in.count());
        h.commit();
    }

    @Override
    public void preluBackward(Tensor in, Tensor slope, Tensor dout, Tensor dinp, int outer, int channels, int inner) {
        HostArrays h = new HostArrays(backend);
        CpuActivations.preluBackward(h.input(in), h.input(slope), h.input(dout), h.output(dinp), channels, inner, 0,
                in.count());
        h.commit();
    }

    @Override
    public void preluSlopeBackward(Tensor in, Tensor dout, Tensor dslope, int outer, int channels, int inner) {
        HostArrays h = new HostArrays(backend);
        CpuActivations.preluSlopeBackward(h.input(in), h.input(dout), h.output(dslope), outer, channels, inner, 0,
                channels);
        h.commit();
    }

    // ---- data movement -------------------------------------------------------------------------------------------

    @Override
    public void copyWindow(Tensor big, int[] offsets, Tensor small, boolean intoBig) {
        HostArrays h = new HostArrays(backend);
        float[] b = intoBig ? h.output(big) : h.input(big);
        float[] s = intoBig ? h.input(small) : h.output(small);
        CpuCopies.copyWindow(b, big.shape().dims(), offsets, s, small.shape().dims(), intoBig);
        h.commit();
    }

    @Override
    public void embedForward(Tensor indices, Tensor weight, Tensor out, int inputDim) {
        HostArrays h = new HostArrays(backend);
        CpuCopies.embedForward(h.input(indices), h.input(weight), h.output(out), indices.count(),
                weight.shape().dim(1), inputDim);
        h.commit();
    }

    @Override
    public void embedBackward(Tensor indices, Tensor dout, Tensor dweight) {
        HostArrays h = new HostArrays(backend);
        CpuCopies.embedBackward(h.input(indices), h.input(dout), h.output(dweight), indices.count(),
                dweight.shape().dim(1));
        h.commit();
    }

    // ---- reductions ---------------------------------------------------------------------------------------------

    @Override
    public void reduceRows(RowReduction op, Tensor in, Tensor out, int rows, int dim, float coeff) {
        HostArrays h = new HostArrays(backend);
        CpuReductions.reduceRows(op, h.input(in), h.output(out), dim, coeff, 0, rows);
        h.commit();
    }

    @Override
    public void reduceRowsBackward(RowReduction op, Tensor in, Tensor dout, Tensor dinp, int rows, int dim,
                                    float coeff) {
        HostArrays h = new HostArrays(backend);
        CpuReductions.reduceRowsBackward(op, h.input(in), h.input(dout), h.output(dinp), dim, coeff, 0, rows);
        h.commit();
    }

    @Override
    public void mvnForward(Tensor in, Tensor out, Tensor std, int rows, int dim, boolean normalizeVariance,
                            float eps) {
        HostArrays h = new HostArrays(backend);
        CpuReductions.mvnForward(h.input(in), h.output(out), normalizeVariance ? h.output(std) : null, dim,
                normalizeVariance, eps, 0, rows);
        h.commit();
    }

    @Override
    public void mvnBackward(Tensor out, Tensor std, Tensor dout, Tensor dinp, int rows, int dim,
                             boolean normalizeVariance) {
        HostArrays h = new HostArrays(backend);
        CpuReductions.mvnBackward(h.input(out), h.input(std), h.input(dout), h.output(dinp), dim, normalizeVariance, 0,
                rows);
        h.commit();
    }

    @Override
    public void argMax(Tensor in, Tensor out, TopK k) {
        HostArrays h = new HostArrays(backend);
        CpuReductions.argMax(h.input(in), h.output(out), k, 0, k.outer() * k.inner());
        h.commit();
    }

    // ---- stochastic pooling --------------------------------------------------------------------------------------

    @Override
    public void stochasticPoolForward(PoolGeometry g, Tensor in, Tensor out) {
        HostArrays h = new HostArrays(backend);
        CpuStochasticPooling.forwardTest(g, h.input(in), h.output(out), 0, out.count());
        h.commit();
    }

    @Override
    public void stochasticPoolSample(PoolGeometry g, Tensor in, Tensor out, Tensor mask, long seed) {
        HostArrays h = new HostArrays(backend);
        CpuStochasticPooling.forwardTrain(g, h.input(in), h.output(out), h.output(mask), seed, 0, out.count());
        h.commit();
    }

    // ---- losses --------------------------------------------------------------------------------------------------

    @Override
    public LabelledSum sigmoidCrossEntropyLossForward(Tensor scores, Tensor targets, Integer ignoreLabel) {
        HostArrays h = new HostArrays(backend);
        return CpuLosses.sigmoidCrossEntropy(h.input(scores), h.input(targets), scores.count(), ignoreLabel);
    }

    @Override
    public void sigmoidCrossEntropyLossBackward(Tensor sigmoid, Tensor targets, Tensor dinp, Integer ignoreLabel,
                                                 float scale) {
        HostArrays h = new HostArrays(backend);
        CpuLosses.sigmoidCrossEntropyGradient(h.input(sigmoid), h.input(targets), h.output(dinp), dinp.count(),
                ignoreLabel, scale);
        h.commit();
    }

    @Override
    public double multinomialLogisticLossForward(Tensor prob, Tensor labels, int num, int dim) {
        HostArrays h = new HostArrays(backend);
        return CpuLosses.multinomialLogistic(h.input(prob), h.input(labels), num, dim);
    }

    @Override
    public void multinomialLogisticLossBackward(Tensor prob, Tensor labels, Tensor dinp, int num, int dim,
                                                 float scale) {
        HostArrays h = new HostArrays(backend);
        CpuLosses.multinomialLogisticGradient(h.input(prob), h.input(labels), h.output(dinp), num, dim, scale);
        h.commit();
    }

    @Override
    public LabelledSum infogainLossForward(Tensor prob, Tensor labels, Tensor infogain, int outer, int channels,
                                            int inner, Integer ignoreLabel) {
        HostArrays h = new HostArrays(backend);
        return CpuLosses.infogain(h.input(prob), h.input(labels), h.input(infogain), outer, channels, inner,
                ignoreLabel);
    }

    @Override
    public void infogainLossBackward(Tensor prob, Tensor labels, Tensor infogain, Tensor dinp, int outer,
                                      int channels, int inner, Integer ignoreLabel, float scale) {
        HostArrays h = new HostArrays(backend);
        CpuLosses.infogainGradient(h.input(prob), h.input(labels), h.input(infogain), h.output(dinp), outer,
                channels, inner, ignoreLabel, scale);
        h.commit();
    }

    @Override
    public double contrastiveLossForward(Tensor a, Tensor b, Tensor similar, Tensor distSq, int num, int channels,
                                          float margin, boolean legacy) {
        HostArrays h = new HostArrays(backend);
        double loss = CpuLosses.contrastive(h.input(a), h.input(b), h.input(similar), h.output(distSq), num, channels,
                margin, legacy);
        h.commit();
        return loss;
    }

    @Override
    public void contrastiveLossBackward(Tensor a, Tensor b, Tensor similar, Tensor distSq, Tensor dinp, int num,
                                         int channels, float margin, boolean legacy, float alpha) {
        HostArrays h = new HostArrays(backend);
        CpuLosses.contrastiveGradient(h.input(a), h.input(b), h.input(similar), h.input(distSq), h.output(dinp), num,
                channels, margin, legacy, alpha);
        h.commit();
    }
}

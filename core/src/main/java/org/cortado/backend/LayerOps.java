package org.cortado.backend;

import org.cortado.backend.cpu.CpuActivations;
import org.cortado.backend.cpu.CpuCopies;
import org.cortado.backend.cpu.CpuLosses;
import org.cortado.backend.cpu.CpuReductions;
import org.cortado.backend.cpu.CpuStochasticPooling;
import org.cortado.tensor.Tensor;

/**
 * The operations of Caffe's less common layers (neuron functions, PReLU, Crop, Embed, Reduction, MVN, ArgMax,
 * STOCHASTIC pooling and the losses besides softmax and hinge), a part of {@link Backend} kept in a file of its own.
 * Conventions are Backend's: shapes are checked by the calling layer, input gradients are overwritten, parameter
 * gradients accumulated.
 *
 * <p>Each default runs the reference loop of {@code org.cortado.backend.cpu} ({@code CpuActivations},
 * {@code CpuReductions}, {@code CpuCopies}, {@code CpuStochasticPooling}, {@code CpuLosses}) on the tensors' host
 * arrays: in place for host tensors, which is the CPU backend's implementation, and on copies for device tensors, so
 * that every backend is complete. A GPU backend overrides each with kernels (GpuBackendApiTest checks that it does).
 */
public interface LayerOps {

    /** A host tensor holding a copy of {@code t}; see {@link Backend#download}. */
    Tensor download(Tensor t);

    /** See {@link Backend#upload}. */
    Tensor upload(Tensor host);

    /** See {@link Backend#copy}. */
    void copy(Tensor src, Tensor dst);

    private HostArrays host() {
        return new HostArrays((Backend) this);
    }

    // ---- neuron functions and PReLU ------------------------------------------------------------------------------

    /** {@code out = f(in)} elementwise ({@link Pointwise}); {@code out} may be {@code in}. */
    default void pointwiseForward(Pointwise f, Tensor in, Tensor out) {
        HostArrays h = host();
        CpuActivations.forward(f, h.input(in), h.output(out), 0, in.count());
        h.commit();
    }

    /**
     * {@code dinp = dout * f'(in)}, from {@code in} and {@code out = f(in)} as Caffe computes it; {@code dinp} may be
     * {@code dout}. Not for THRESHOLD, which has no backward.
     */
    default void pointwiseBackward(Pointwise f, Tensor in, Tensor out, Tensor dout, Tensor dinp) {
        HostArrays h = host();
        CpuActivations.backward(f, h.input(in), h.input(out), h.input(dout), h.output(dinp), 0, in.count());
        h.commit();
    }

    /**
     * PReLU over {@code (outer, channels, inner)}: {@code out = max(x, 0) + slope[c] * min(x, 0)}; a slope shared by
     * all channels is {@code channels = 1} with the channels folded into {@code inner}.
     */
    default void preluForward(Tensor in, Tensor slope, Tensor out, int outer, int channels, int inner) {
        HostArrays h = host();
        CpuActivations.preluForward(h.input(in), h.input(slope), h.output(out), channels, inner, 0, in.count());
        h.commit();
    }

    /** {@code dinp = dout * (x > 0 ? 1 : slope[c])}; {@code dinp} may be {@code dout}. */
    default void preluBackward(Tensor in, Tensor slope, Tensor dout, Tensor dinp, int outer, int channels, int inner) {
        HostArrays h = host();
        CpuActivations.preluBackward(h.input(in), h.input(slope), h.input(dout), h.output(dinp), channels, inner, 0,
                in.count());
        h.commit();
    }

    /** {@code dslope[c] += sum over o, i of dout * x * (x <= 0)}. */
    default void preluSlopeBackward(Tensor in, Tensor dout, Tensor dslope, int outer, int channels, int inner) {
        HostArrays h = host();
        CpuActivations.preluSlopeBackward(h.input(in), h.input(dout), h.output(dslope), outer, channels, inner, 0,
                channels);
        h.commit();
    }

    // ---- data movement -------------------------------------------------------------------------------------------

    /**
     * Crop's copy: the window of {@code big} that starts at {@code offsets} (one per axis) and has {@code small}'s
     * shape goes to {@code small}, or with {@code intoBig} {@code small} goes to that window and the rest of
     * {@code big} is left as it is. Both tensors have the same rank; the window lies inside {@code big}.
     */
    default void copyWindow(Tensor big, int[] offsets, Tensor small, boolean intoBig) {
        HostArrays h = host();
        float[] b = intoBig ? h.output(big) : h.input(big);
        float[] s = intoBig ? h.input(small) : h.output(small);
        CpuCopies.copyWindow(b, big.shape().dims(), offsets, s, small.shape().dims(), intoBig);
        h.commit();
    }

    /**
     * Embed: {@code out[m, :] = weight[index[m], :]} for each of the {@code indices.count()} indices, weight
     * {@code (inputDim, numOutput)}, out {@code (indices.count(), numOutput)}.
     *
     * @throws InvalidLabelException for the first index that is not an integer in {@code [0, inputDim)}
     */
    default void embedForward(Tensor indices, Tensor weight, Tensor out, int inputDim) {
        HostArrays h = host();
        CpuCopies.embedForward(h.input(indices), h.input(weight), h.output(out), indices.count(),
                weight.shape().dim(1), inputDim);
        h.commit();
    }

    /** {@code dweight[index[m], :] += dout[m, :]}, indices checked by {@link #embedForward}. */
    default void embedBackward(Tensor indices, Tensor dout, Tensor dweight) {
        HostArrays h = host();
        CpuCopies.embedBackward(h.input(indices), h.input(dout), h.output(dweight), indices.count(),
                dweight.shape().dim(1));
        h.commit();
    }

    // ---- reductions ---------------------------------------------------------------------------------------------

    /** {@code out[r] = coeff * sum over j of g(in[r, j])} over {@code rows} rows of {@code dim} values. */
    default void reduceRows(RowReduction op, Tensor in, Tensor out, int rows, int dim, float coeff) {
        HostArrays h = host();
        CpuReductions.reduceRows(op, h.input(in), h.output(out), dim, coeff, 0, rows);
        h.commit();
    }

    /** {@code dinp[r, j] = dout[r] * coeff * g'(in[r, j])} (Caffe's Reduction backward). */
    default void reduceRowsBackward(RowReduction op, Tensor in, Tensor dout, Tensor dinp, int rows, int dim,
                                    float coeff) {
        HostArrays h = host();
        CpuReductions.reduceRowsBackward(op, h.input(in), h.input(dout), h.output(dinp), dim, coeff, 0, rows);
        h.commit();
    }

    /**
     * MVN per row: {@code out = in - mean}, and with {@code normalizeVariance} divided by
     * {@code std[r] = sqrt(var) + eps}, which {@code std (rows)} keeps for backward (null without).
     */
    default void mvnForward(Tensor in, Tensor out, Tensor std, int rows, int dim, boolean normalizeVariance,
                            float eps) {
        HostArrays h = host();
        CpuReductions.mvnForward(h.input(in), h.output(out), normalizeVariance ? h.output(std) : null, dim,
                normalizeVariance, eps, 0, rows);
        h.commit();
    }

    /** MVN's backward from its output and {@code std} (Caffe's formula, see CpuReductions); {@code dinp} may be {@code dout}. */
    default void mvnBackward(Tensor out, Tensor std, Tensor dout, Tensor dinp, int rows, int dim,
                             boolean normalizeVariance) {
        HostArrays h = host();
        CpuReductions.mvnBackward(h.input(out), h.input(std), h.input(dout), h.output(dinp), dim, normalizeVariance, 0,
                rows);
        h.commit();
    }

    /** Caffe's ArgMax: the top {@code k.k()} indices and/or values of each position, laid out as {@link TopK} says. */
    default void argMax(Tensor in, Tensor out, TopK k) {
        HostArrays h = host();
        CpuReductions.argMax(h.input(in), h.output(out), k, 0, k.outer() * k.inner());
        h.commit();
    }

    // ---- stochastic pooling --------------------------------------------------------------------------------------

    /** STOCHASTIC pooling at test time: {@code sum(x^2) / sum(x)} per window (pad 0), 0 where the sum is not positive. */
    default void stochasticPoolForward(PoolGeometry g, Tensor in, Tensor out) {
        HostArrays h = host();
        CpuStochasticPooling.forwardTest(g, h.input(in), h.output(out), 0, out.count());
        h.commit();
    }

    /**
     * STOCHASTIC pooling in training: output {@code i} takes the input of its window where the running sum first
     * reaches {@code CounterRng.uniform(seed, i) * sum}; {@code mask} receives its plane index as
     * {@link Backend#maxPoolForward}'s does, so {@link Backend#maxPoolBackward} is the backward.
     */
    default void stochasticPoolSample(PoolGeometry g, Tensor in, Tensor out, Tensor mask, long seed) {
        HostArrays h = host();
        CpuStochasticPooling.forwardTrain(g, h.input(in), h.output(out), h.output(mask), seed, 0, out.count());
        h.commit();
    }

    // ---- losses --------------------------------------------------------------------------------------------------

    /**
     * Sigmoid cross-entropy of {@code scores} against {@code targets} (same count): {@code sum} over the elements
     * whose target is not {@code ignoreLabel} (compared as Caffe does, after a cast to int), {@code labelled} their
     * number. Not modified: all.
     */
    default LabelledSum sigmoidCrossEntropyLossForward(Tensor scores, Tensor targets, Integer ignoreLabel) {
        HostArrays h = host();
        return CpuLosses.sigmoidCrossEntropy(h.input(scores), h.input(targets), scores.count(), ignoreLabel);
    }

    /** {@code dinp = (sigmoid - target) * scale}, 0 at ignored targets. */
    default void sigmoidCrossEntropyLossBackward(Tensor sigmoid, Tensor targets, Tensor dinp, Integer ignoreLabel,
                                                 float scale) {
        HostArrays h = host();
        CpuLosses.sigmoidCrossEntropyGradient(h.input(sigmoid), h.input(targets), h.output(dinp), dinp.count(),
                ignoreLabel, scale);
        h.commit();
    }

    /**
     * The sum over samples of {@code -log(max(prob[n, label], 1e-20))}, probabilities {@code (num, dim)}.
     *
     * @throws InvalidLabelException for the first label that is not a class index
     */
    default double multinomialLogisticLossForward(Tensor prob, Tensor labels, int num, int dim) {
        HostArrays h = host();
        return CpuLosses.multinomialLogistic(h.input(prob), h.input(labels), num, dim);
    }

    /** {@code dinp} 0 except {@code dinp[n, label] = scale / max(prob[n, label], 1e-20)}. */
    default void multinomialLogisticLossBackward(Tensor prob, Tensor labels, Tensor dinp, int num, int dim,
                                                 float scale) {
        HostArrays h = host();
        CpuLosses.multinomialLogisticGradient(h.input(prob), h.input(labels), h.output(dinp), num, dim, scale);
        h.commit();
    }

    /**
     * Infogain loss of softmax probabilities {@code (outer, channels, inner)} with the {@code channels x channels}
     * matrix {@code infogain}: see CpuLosses.infogain.
     *
     * @throws InvalidLabelException for the first label (lowest position) neither ignored nor a class index
     */
    default LabelledSum infogainLossForward(Tensor prob, Tensor labels, Tensor infogain, int outer, int channels,
                                            int inner, Integer ignoreLabel) {
        HostArrays h = host();
        return CpuLosses.infogain(h.input(prob), h.input(labels), h.input(infogain), outer, channels, inner,
                ignoreLabel);
    }

    /** {@code dinp = (prob * rowSum(H[label]) - H[label, c]) * scale}, 0 at ignored positions. */
    default void infogainLossBackward(Tensor prob, Tensor labels, Tensor infogain, Tensor dinp, int outer,
                                      int channels, int inner, Integer ignoreLabel, float scale) {
        HostArrays h = host();
        CpuLosses.infogainGradient(h.input(prob), h.input(labels), h.input(infogain), h.output(dinp), outer,
                channels, inner, ignoreLabel, scale);
        h.commit();
    }

    /**
     * Contrastive loss of pairs {@code a, b (num, channels)} with labels {@code similar (num)}: writes
     * {@code distSq (num)} and returns the sum over pairs (see CpuLosses.contrastive).
     */
    default double contrastiveLossForward(Tensor a, Tensor b, Tensor similar, Tensor distSq, int num, int channels,
                                          float margin, boolean legacy) {
        HostArrays h = host();
        double loss = CpuLosses.contrastive(h.input(a), h.input(b), h.input(similar), h.output(distSq), num, channels,
                margin, legacy);
        h.commit();
        return loss;
    }

    /** The gradient of one feature bottom, {@code alpha = ±lossWeight / num} (see CpuLosses.contrastiveGradient). */
    default void contrastiveLossBackward(Tensor a, Tensor b, Tensor similar, Tensor distSq, Tensor dinp, int num,
                                         int channels, float margin, boolean legacy, float alpha) {
        HostArrays h = host();
        CpuLosses.contrastiveGradient(h.input(a), h.input(b), h.input(similar), h.input(distSq), h.output(dinp), num,
                channels, margin, legacy, alpha);
        h.commit();
    }
}

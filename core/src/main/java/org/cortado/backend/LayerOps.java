package org.cortado.backend;

import org.cortado.tensor.Tensor;

/**
 * The operations of Caffe's less common layers (neuron functions, PReLU, Crop, Embed, Reduction, MVN, ArgMax,
 * STOCHASTIC pooling and the losses besides softmax and hinge), a part of {@link Backend} kept in a file of its own.
 * Conventions are Backend's: shapes are checked by the calling layer, input gradients are overwritten, parameter
 * gradients accumulated.
 *
 * <p>A backend gives its implementation through {@link Backend#layerOps()}: {@link HostLayerOps} runs the reference
 * loops of {@code org.cortado.backend.cpu} on host arrays (the CPU backend's, with some loops over its threads), a
 * GPU backend its kernels.
 */
public interface LayerOps {

    // ---- neuron functions and PReLU ------------------------------------------------------------------------------

    /** {@code out = f(in)} elementwise ({@link Pointwise}); {@code out} may be {@code in}. */
    void pointwiseForward(Pointwise f, Tensor in, Tensor out);

    /**
     * {@code dinp = dout * f'(in)}, from {@code in} and {@code out = f(in)} as Caffe computes it; {@code dinp} may be
     * {@code dout}. Not for THRESHOLD, which has no backward.
     */
    void pointwiseBackward(Pointwise f, Tensor in, Tensor out, Tensor dout, Tensor dinp);

    /**
     * PReLU over {@code (outer, channels, inner)}: {@code out = max(x, 0) + slope[c] * min(x, 0)}; a slope shared by
     * all channels is {@code channels = 1} with the channels folded into {@code inner}.
     */
    void preluForward(Tensor in, Tensor slope, Tensor out, int outer, int channels, int inner);

    /** {@code dinp = dout * (x > 0 ? 1 : slope[c])}; {@code dinp} may be {@code dout}. */
    void preluBackward(Tensor in, Tensor slope, Tensor dout, Tensor dinp, int outer, int channels, int inner);

    /** {@code dslope[c] += sum over o, i of dout * x * (x <= 0)}. */
    void preluSlopeBackward(Tensor in, Tensor dout, Tensor dslope, int outer, int channels, int inner);

    // ---- data movement -------------------------------------------------------------------------------------------

    /**
     * Crop's copy: the window of {@code big} that starts at {@code offsets} (one per axis) and has {@code small}'s
     * shape goes to {@code small}, or with {@code intoBig} {@code small} goes to that window and the rest of
     * {@code big} is left as it is. Both tensors have the same rank; the window lies inside {@code big}.
     */
    void copyWindow(Tensor big, int[] offsets, Tensor small, boolean intoBig);

    /**
     * Embed: {@code out[m, :] = weight[index[m], :]} for each of the {@code indices.count()} indices, weight
     * {@code (inputDim, numOutput)}, out {@code (indices.count(), numOutput)}.
     *
     * @throws InvalidLabelException for the first index that is not an integer in {@code [0, inputDim)}
     */
    void embedForward(Tensor indices, Tensor weight, Tensor out, int inputDim);

    /** {@code dweight[index[m], :] += dout[m, :]}, indices checked by {@link #embedForward}. */
    void embedBackward(Tensor indices, Tensor dout, Tensor dweight);

    // ---- reductions ---------------------------------------------------------------------------------------------

    /** {@code out[r] = coeff * sum over j of g(in[r, j])} over {@code rows} rows of {@code dim} values. */
    void reduceRows(RowReduction op, Tensor in, Tensor out, int rows, int dim, float coeff);

    /** {@code dinp[r, j] = dout[r] * coeff * g'(in[r, j])} (Caffe's Reduction backward). */
    void reduceRowsBackward(RowReduction op, Tensor in, Tensor dout, Tensor dinp, int rows, int dim,
                                    float coeff);

    /**
     * MVN per row: {@code out = in - mean}, and with {@code normalizeVariance} divided by
     * {@code std[r] = sqrt(var) + eps}, which {@code std (rows)} keeps for backward (null without).
     */
    void mvnForward(Tensor in, Tensor out, Tensor std, int rows, int dim, boolean normalizeVariance,
                            float eps);

    /**
     * MVN's backward from its output and {@code std} (Caffe's formula, see CpuReductions); {@code dinp} may be
     * {@code dout}.
     */
    void mvnBackward(Tensor out, Tensor std, Tensor dout, Tensor dinp, int rows, int dim,
                             boolean normalizeVariance);

    /** Caffe's ArgMax: the top {@code k.k()} indices and/or values of each position, laid out as {@link TopK} says. */
    void argMax(Tensor in, Tensor out, TopK k);

    // ---- stochastic pooling --------------------------------------------------------------------------------------

    /** STOCHASTIC pooling at test time: {@code sum(x^2) / sum(x)} per window (pad 0), 0 where that sum is not > 0. */
    void stochasticPoolForward(PoolGeometry g, Tensor in, Tensor out);

    /**
     * STOCHASTIC pooling in training: output {@code i} takes the input of its window where the running sum first
     * reaches {@code CounterRng.uniform(seed, i) * sum}; {@code mask} receives its plane index as
     * {@link Backend#maxPoolForward}'s does, so {@link Backend#maxPoolBackward} is the backward.
     */
    void stochasticPoolSample(PoolGeometry g, Tensor in, Tensor out, Tensor mask, long seed);

    // ---- losses --------------------------------------------------------------------------------------------------

    /**
     * Sigmoid cross-entropy of {@code scores} against {@code targets} (same count): {@code sum} over the elements
     * whose target is not {@code ignoreLabel} (compared as Caffe does, after a cast to int), {@code labelled} their
     * number. Not modified: all.
     */
    LabelledSum sigmoidCrossEntropyLossForward(Tensor scores, Tensor targets, Integer ignoreLabel);

    /** {@code dinp = (sigmoid - target) * scale}, 0 at ignored targets. */
    void sigmoidCrossEntropyLossBackward(Tensor sigmoid, Tensor targets, Tensor dinp, Integer ignoreLabel,
                                                 float scale);

    /**
     * The sum over samples of {@code -log(max(prob[n, label], 1e-20))}, probabilities {@code (num, dim)}.
     *
     * @throws InvalidLabelException for the first label that is not a class index
     */
    double multinomialLogisticLossForward(Tensor prob, Tensor labels, int num, int dim);

    /** {@code dinp} 0 except {@code dinp[n, label] = scale / max(prob[n, label], 1e-20)}. */
    void multinomialLogisticLossBackward(Tensor prob, Tensor labels, Tensor dinp, int num, int dim,
                                                 float scale);

    /**
     * Infogain loss of softmax probabilities {@code (outer, channels, inner)} with the {@code channels x channels}
     * matrix {@code infogain}: see CpuLosses.infogain.
     *
     * @throws InvalidLabelException for the first label (lowest position) neither ignored nor a class index
     */
    LabelledSum infogainLossForward(Tensor prob, Tensor labels, Tensor infogain, int outer, int channels,
                                            int inner, Integer ignoreLabel);

    /** {@code dinp = (prob * rowSum(H[label]) - H[label, c]) * scale}, 0 at ignored positions. */
    void infogainLossBackward(Tensor prob, Tensor labels, Tensor infogain, Tensor dinp, int outer,
                                      int channels, int inner, Integer ignoreLabel, float scale);

    /**
     * Contrastive loss of pairs {@code a, b (num, channels)} with labels {@code similar (num)}: writes
     * {@code distSq (num)} and returns the sum over pairs (see CpuLosses.contrastive).
     */
    double contrastiveLossForward(Tensor a, Tensor b, Tensor similar, Tensor distSq, int num, int channels,
                                          float margin, boolean legacy);

    /** The gradient of one feature bottom, {@code alpha = ±lossWeight / num} (see CpuLosses.contrastiveGradient). */
    void contrastiveLossBackward(Tensor a, Tensor b, Tensor similar, Tensor distSq, Tensor dinp, int num,
                                         int channels, float margin, boolean legacy, float alpha);
}

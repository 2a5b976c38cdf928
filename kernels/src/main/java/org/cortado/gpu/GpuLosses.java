package org.cortado.gpu;

import org.cortado.backend.LabelledSum;
import org.cortado.tensor.Tensor;

/**
 * The GPU's losses and accuracy ({@code loss.cu}; references {@code LossKernels} and {@code CpuLosses}). The forward
 * kernels reduce to per-block partials (sum, labelled count, lowest invalid label position) that come back as a few
 * doubles ({@link GpuReductions#reduceLabelled}); only an invalid label costs one more float (its value, for the
 * message). The gradients are per element.
 */
final class GpuLosses {
    private final GpuDevice device;
    private final GpuReductions reductions;

    GpuLosses(GpuDevice device, GpuReductions reductions) {
        this.device = device;
        this.reductions = reductions;
    }

    LabelledSum softmaxLossForward(Tensor prob, Tensor labels, int outer, int channels, int inner,
                                   Integer ignoreLabel) {
        return reductions.reduceLabelled(Kernel.SOFTMAX_LOSS_FORWARD, outer * inner, labels, channels,
                device.addr(prob), device.addr(labels), reductions.partialsAddress(), outer, channels, inner,
                ignoreLabel == null ? 0 : 1, ignoreValue(ignoreLabel));
    }

    void softmaxLossBackward(Tensor prob, Tensor labels, Tensor dinp, int outer, int channels, int inner,
                             Integer ignoreLabel, float scale) {
        device.run(Kernel.SOFTMAX_LOSS_BACKWARD, outer * channels * inner, device.addr(prob), device.addr(labels),
                device.addr(dinp), outer, channels, inner, ignoreLabel == null ? 0 : 1, ignoreValue(ignoreLabel),
                scale);
    }

    double hingeLossForward(Tensor scores, Tensor labels, int num, int dim, boolean squared) {
        return reductions.reduceLabelled(Kernel.HINGE_LOSS_FORWARD, num * dim, labels, dim, device.addr(scores),
                device.addr(labels), reductions.partialsAddress(), num, dim, squared ? 1 : 0).sum();
    }

    void hingeLossBackward(Tensor scores, Tensor labels, Tensor dinp, int num, int dim, boolean squared, float scale) {
        device.run(Kernel.HINGE_LOSS_BACKWARD, num * dim, device.addr(scores), device.addr(labels), device.addr(dinp),
                num, dim, squared ? 1 : 0, scale);
    }

    LabelledSum accuracy(Tensor scores, Tensor labels, int outer, int channels, int inner, int topK,
                         Integer ignoreLabel) {
        return reductions.reduceLabelled(Kernel.ACCURACY, outer * inner, labels, channels, device.addr(scores),
                device.addr(labels), reductions.partialsAddress(), outer, channels, inner, topK,
                ignoreLabel == null ? 0 : 1, ignoreValue(ignoreLabel));
    }

    /** Caffe compares a float label with the int ignore_label, that is with the int's float value. */
    private static float ignoreValue(Integer ignoreLabel) {
        return ignoreLabel == null ? 0f : (float) ignoreLabel.intValue();
    }

    // ---- the losses of LayerOps --------------------------------------------------------------------------------

    LabelledSum sigmoidCrossEntropyLossForward(Tensor scores, Tensor targets, Integer ignoreLabel) {
        int n = scores.count();
        return reductions.reduceLabelled(Kernel.SIGMOID_CE_FORWARD, n, targets, 0, device.addr(scores),
                device.addr(targets), reductions.partialsAddress(), n, ignoreLabel == null ? 0 : 1,
                ignoreLabel == null ? 0 : ignoreLabel);
    }

    void sigmoidCrossEntropyLossBackward(Tensor sigmoid, Tensor targets, Tensor dinp, Integer ignoreLabel,
                                         float scale) {
        device.run(Kernel.SIGMOID_CE_BACKWARD, dinp.count(), device.addr(sigmoid), device.addr(targets),
                device.addr(dinp), dinp.count(), ignoreLabel == null ? 0 : 1, ignoreLabel == null ? 0 : ignoreLabel,
                scale);
    }

    double multinomialLogisticLossForward(Tensor prob, Tensor labels, int num, int dim) {
        return reductions.reduceLabelled(Kernel.MLOGISTIC_FORWARD, num, labels, dim, device.addr(prob),
                device.addr(labels), reductions.partialsAddress(), num, dim).sum();
    }

    void multinomialLogisticLossBackward(Tensor prob, Tensor labels, Tensor dinp, int num, int dim, float scale) {
        device.run(Kernel.MLOGISTIC_BACKWARD, num * dim, device.addr(prob), device.addr(labels), device.addr(dinp), num,
                dim, scale);
    }

    LabelledSum infogainLossForward(Tensor prob, Tensor labels, Tensor infogain, int outer, int channels, int inner,
                                    Integer ignoreLabel) {
        return reductions.reduceLabelled(Kernel.INFOGAIN_FORWARD, outer * inner, labels, channels, device.addr(prob),
                device.addr(labels), device.addr(infogain), reductions.partialsAddress(), outer, channels, inner,
                ignoreLabel == null ? 0 : 1, ignoreLabel == null ? 0 : ignoreLabel);
    }

    void infogainLossBackward(Tensor prob, Tensor labels, Tensor infogain, Tensor dinp, int outer, int channels,
                              int inner, Integer ignoreLabel, float scale) {
        device.run(Kernel.INFOGAIN_BACKWARD, dinp.count(), device.addr(prob), device.addr(labels),
                device.addr(infogain), device.addr(dinp), outer, channels, inner, ignoreLabel == null ? 0 : 1,
                ignoreLabel == null ? 0 : ignoreLabel, scale);
    }

    double contrastiveLossForward(Tensor a, Tensor b, Tensor similar, Tensor distSq, int num, int channels,
                                  float margin, boolean legacy) {
        return reductions.reduceLabelled(Kernel.CONTRASTIVE_FORWARD, num, similar, 0, device.addr(a), device.addr(b),
                device.addr(similar), device.addr(distSq), reductions.partialsAddress(), num, channels, margin,
                legacy ? 1 : 0).sum();
    }

    void contrastiveLossBackward(Tensor a, Tensor b, Tensor similar, Tensor distSq, Tensor dinp, int num,
                                 int channels, float margin, boolean legacy, float alpha) {
        device.run(Kernel.CONTRASTIVE_BACKWARD, num * channels, device.addr(a), device.addr(b), device.addr(similar),
                device.addr(distSq), device.addr(dinp), num, channels, margin, legacy ? 1 : 0, alpha);
    }
}

package org.cortado.layers;

import org.cortado.backend.Backend;
import org.cortado.caffe.proto.Caffe.LossParameter;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * A loss, as Caffe's LossLayer: bottoms are predictions and labels (or targets), top 0 is a scalar whose loss weight
 * defaults to 1, and gradients flow to the predictions only unless a loss says otherwise (Euclidean, Contrastive). The
 * sums run in the backend's loss operations (on the device for a GPU backend); only the scalar loss and the loss
 * weight cross to the host.
 */
public abstract class LossLayer extends Layer {
    /** Caffe's LossParameter.NormalizationMode: what a loss's sum is divided by. */
    public enum Normalization { FULL, VALID, BATCH_SIZE, NONE }

    protected LossLayer(LayerConfig config, int maxTops) {
        this(config, 2, 2, maxTops);
    }

    protected LossLayer(LayerConfig config, int minBottoms, int maxBottoms, int maxTops) {
        super(config, minBottoms, maxBottoms, 1, maxTops);
    }

    @Override
    public final float defaultLossWeight(int top) {
        return top == 0 ? 1f : 0f;
    }

    /** The predictions (bottom 0) only, by default. */
    @Override
    public boolean canPropagateTo(int index) {
        return index == 0;
    }

    /** The loss weight that backward scales by: Caffe passes it as the top's gradient. */
    protected static float lossWeight(Backend backend, Tensor topDiff) {
        return backend.download(topDiff).hostData()[0];
    }

    /** Writes the scalar {@code value} into {@code top}. */
    protected static void writeScalar(Backend backend, double value, Tensor top) {
        backend.copy(backend.upload(Tensor.wrap(Shape.of(), new float[] {(float) value})), top);
    }

    /**
     * Caffe's choice of normalisation: {@code normalization} when given, else the legacy {@code normalize} flag
     * (true: VALID, false: BATCH_SIZE), else {@code whenUnset} (VALID, the proto's default, for most losses).
     */
    protected static Normalization normalization(LossParameter lp, Normalization whenUnset) {
        if (lp.hasNormalization()) {
            return Normalization.valueOf(lp.getNormalization().name());
        }
        if (lp.hasNormalize()) {
            return lp.getNormalize() ? Normalization.VALID : Normalization.BATCH_SIZE;
        }
        return whenUnset;
    }

    /**
     * Caffe's get_normalizer: FULL = {@code outer * inner} positions, VALID = the {@code valid} (labelled) ones,
     * BATCH_SIZE = {@code outer}, NONE = 1; at least 1, so that a batch without labels gives no NaN.
     */
    protected static double normaliser(Normalization n, long outer, long inner, long valid) {
        double v = switch (n) {
            case FULL -> (double) outer * inner;
            case VALID -> valid;
            case BATCH_SIZE -> outer;
            case NONE -> 1;
        };
        return Math.max(1.0, v);
    }

    /** Fails unless bottoms 0 and 1 agree on their first axis (Caffe's LossLayer::Reshape check). */
    protected final void requireSameNum(Shape a, Shape b) {
        if (a.rank() < 1 || b.rank() < 1 || a.dim(0) != b.dim(0)) {
            throw error("bottom 0 " + a + " and bottom 1 " + b + " must agree on the first axis (the batch)");
        }
    }
}

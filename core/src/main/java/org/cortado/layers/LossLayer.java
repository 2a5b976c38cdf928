package org.cortado.layers;

import org.cortado.backend.Backend;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * A loss, as Caffe's LossLayer: bottoms are predictions and labels, top 0 is a scalar whose loss weight defaults
 * to 1, and gradients flow to the predictions only. The sums run in the backend's loss operations (on the device
 * for a GPU backend); only the scalar loss and the loss weight cross to the host.
 */
public abstract class LossLayer extends Layer {
    protected LossLayer(LayerConfig config, int maxTops) {
        super(config, 2, 2, 1, maxTops);
    }

    @Override
    public final float defaultLossWeight(int top) {
        return top == 0 ? 1f : 0f;
    }

    @Override
    public final boolean canPropagateTo(int index) {
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
}

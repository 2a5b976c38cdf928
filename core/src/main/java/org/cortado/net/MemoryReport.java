package org.cortado.net;

import java.util.List;

/**
 * What a net's inference plan does with memory, at the net's current input shapes.
 *
 * @param plannedBytes     the activations' memory under the plan: every buffer and the inputs
 * @param layerByLayerBytes what the same shapes take when every layer keeps its own output (no plan)
 * @param buffers          how many buffers the layers' outputs share (inputs apart)
 * @param weightBytes      the parameters (and the biases folds added)
 * @param folded           the BatchNorm and Scale layers folded into their convolutions
 * @param fused            the convolutions that compute their ReLU in their own pass
 * @param concatsInPlace   the concats whose convolutions write their slices
 * @param inPlace          the layers that write their output over their input
 */
public record MemoryReport(long plannedBytes, long layerByLayerBytes, int buffers, long weightBytes,
                           List<String> folded, List<String> fused, List<String> concatsInPlace,
                           List<String> inPlace) {
    public MemoryReport {
        folded = List.copyOf(folded);
        fused = List.copyOf(fused);
        concatsInPlace = List.copyOf(concatsInPlace);
        inPlace = List.copyOf(inPlace);
    }
}

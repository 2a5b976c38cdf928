package org.cortado.net;

import java.util.ArrayList;
import java.util.List;
import org.cortado.backend.Backend;
import org.cortado.layers.ConvolutionLayer;
import org.cortado.layers.Layer;
import org.cortado.layers.Phase;
import org.cortado.tensor.Tensor;

/**
 * One forward pass over layers {@code [from, to]} of a net, as its {@link ExecutionPlan} says: fused ReLUs and
 * identities run no pass of their own, convolutions write their concat's slices where the whole group is in the pass,
 * and in training the layers backward prunes keep nothing for it.
 *
 * @param backwardPlan in training, the backward pass the forward prepares for; null at test time
 * @param memory       the inference plan's memory, told when each layer is done; null for a net without one
 */
record ForwardPass(NetGraph graph, Backend backend, ExecutionPlan plan, List<List<Tensor>> tops, Phase mode,
                   BackwardPlan backwardPlan, MemoryPlan memory) {

    /** The bottom tensors of layer {@code i} among {@code tops}. */
    static List<Tensor> bottoms(NetGraph graph, List<List<Tensor>> tops, int i) {
        List<Tensor> bottoms = new ArrayList<>();
        for (BlobRef ref : graph.bottoms(i)) {
            bottoms.add(tops.get(ref.layer()).get(ref.top()));
        }
        return bottoms;
    }

    void run(int from, int to) {
        for (int i = from; i <= to; i++) {
            if (plan.identity(i) || plan.convOf(i) >= from) {
                done(i);   // nothing to compute, or computed by its convolution in this pass
                continue;
            }
            int relu = plan.reluOf(i);
            boolean withRelu = relu >= 0 && relu <= to;
            int concat = plan.concatOf(i);
            Layer layer = graph.layer(i);
            List<Tensor> bottoms = bottoms(graph, tops, i);
            if (concat >= 0 && writesInPlace(concat, from, to)) {
                ((ConvolutionLayer) layer).forwardInto(backend, bottoms, withRelu, tops.get(concat).get(0),
                        plan.concatOffset(i));
            } else if (withRelu) {
                ((ConvolutionLayer) layer).forwardWithRelu(backend, bottoms, tops.get(i));
            } else if (!writesInPlace(i, from, to)) {
                boolean keepsNothing = backwardPlan != null && !backwardPlan.runs(i) && layer.trainsOnlyForBackward();
                layer.forward(backend, keepsNothing ? Phase.TEST : mode, bottoms, tops.get(i));
            }
            done(i);
        }
    }

    private void done(int i) {
        if (memory != null) {
            memory.afterLayer(i, backend);
        }
    }

    /**
     * Whether layer {@code concat} is a concat whose bottoms a pass over layers {@code [from, to]} writes in place:
     * with every writer and the concat itself in the pass, at test time or, in training, where backward prunes the
     * concat and its writers (their own tensors are then stale, and nothing reads them).
     */
    private boolean writesInPlace(int concat, int from, int to) {
        int first = plan.firstWriter(concat);
        if (!(first >= 0 && first >= from && concat <= to)) {
            return false;
        }
        if (backwardPlan == null) {
            return mode == Phase.TEST;
        }
        for (int j = first; j <= concat; j++) {
            if ((j == concat || plan.concatOf(j) == concat) && backwardPlan.runs(j)) {
                return false;
            }
        }
        return true;
    }
}

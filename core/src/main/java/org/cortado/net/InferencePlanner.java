package org.cortado.net;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.cortado.backend.Backend;
import org.cortado.layers.ConvolutionLayer;
import org.cortado.layers.DropoutLayer;
import org.cortado.layers.Layer;
import org.cortado.layers.Param;
import org.cortado.tensor.Shape;

/**
 * Plans a test-time net for inference ({@link Net#planInference}): folds BatchNorm and Scale into convolutions, makes
 * test-time Dropout the identity, fuses each convolution with the ReLU that alone reads its (folded) output, writes
 * concats in place, and lets layers write over inputs nobody reads again ({@link MemoryPlan}), all where no value
 * the request keeps is changed.
 */
final class InferencePlanner {
    /**
     * The plan for a net.
     *
     * @param execution how the layers run
     * @param memory    where their outputs live
     * @param kept      the tops whose values survive a pass
     * @param folded    the layers folded into their convolutions, in order
     * @param views     per layer, whether its tops are views of its first bottom
     */
    record Planned(ExecutionPlan execution, MemoryPlan memory, Set<BlobRef> kept, List<String> folded,
                   boolean[] views) {
        /** What the plan does with memory at the graph's current shapes; {@code params} are the net's. */
        MemoryReport report(NetGraph graph, ExecutionPlan plan, List<Param> params) {
            long layerByLayer = 0;
            List<String> inPlace = new ArrayList<>();
            for (int i = 0; i < graph.size(); i++) {
                if (!views[i]) {
                    for (Shape shape : graph.topShapes(i)) {
                        layerByLayer += (long) shape.count() * Float.BYTES;
                    }
                }
                if (plan.inPlace(i)) {
                    inPlace.add(graph.layer(i).name());
                }
            }
            long weights = 0;
            for (Param p : params) {
                weights += (long) p.shape().count() * Float.BYTES;
            }
            return new MemoryReport(memory.bytes(graph), layerByLayer, memory.sharedBuffers(graph), weights, folded,
                    plan.fusedConvolutions(), plan.concatsInPlace(), inPlace);
        }
    }

    private InferencePlanner() {
    }

    /**
     * Plans {@code graph}, whose layers' tops are views of their first bottom where {@code makesViews} says. With
     * folding asked for, the convolutions' parameters change on {@code backend}: overwritten where
     * {@code ownsWeights}, else replaced.
     *
     * @throws org.cortado.layers.NetDefinitionException naming a kept layer or blob the net does not have
     */
    static Planned plan(NetGraph graph, Backend backend, InferenceRequest request, boolean[] makesViews,
                        boolean ownsWeights) {
        int n = graph.size();
        Set<BlobRef> kept = kept(graph, request);
        boolean[] identity = request.foldBatchNorm() ? BatchNormFolding.fold(graph, backend, kept, ownsWeights) : new boolean[n];
        List<String> folded = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (identity[i]) {
                folded.add(graph.layer(i).name());
            }
            // At test time a Dropout copies its input: its top can be that input.
            identity[i] |= graph.layer(i) instanceof DropoutLayer;
        }
        int[] relus = fusedRelus(graph, identity, kept);
        Set<Integer> keptLayers = new HashSet<>();
        kept.forEach(ref -> keptLayers.add(ref.layer()));
        ExecutionPlan execution = ExecutionPlan.layerByLayer(n).forInference(relus, identity, new boolean[n], graph)
                .withConcatsInPlace(graph, keptLayers);
        MemoryPlan memory = MemoryPlan.of(graph, execution, kept, makesViews, request.poisonFreed());
        execution = execution.forInference(relus, identity, memory.inPlace(), graph);
        return new Planned(execution, memory, Set.copyOf(kept), List.copyOf(folded), makesViews.clone());
    }

    /** The tops the request keeps, and every top with a loss weight ({@link Net#loss} reads them). */
    private static Set<BlobRef> kept(NetGraph graph, InferenceRequest request) {
        Set<BlobRef> kept = new HashSet<>();
        for (String name : request.layerOutputs()) {
            int i = graph.indexOf(name);
            for (int t = 0; t < graph.layer(i).tops().size(); t++) {
                kept.add(new BlobRef(i, t));
            }
        }
        for (String name : request.blobs()) {
            BlobRef ref = graph.blob(name);
            if (ref == null) {
                throw new org.cortado.layers.NetDefinitionException("net '" + graph.netName() + "' has no blob '"
                        + name + "'");
            }
            kept.add(ref);
        }
        for (int i = 0; i < graph.size(); i++) {
            Layer layer = graph.layer(i);
            for (int t = 0; t < layer.tops().size(); t++) {
                if (layer.lossWeight(t) != 0f) {
                    kept.add(new BlobRef(i, t));
                }
            }
        }
        return kept;
    }

    /**
     * Per convolution, the ReLU of slope 0 it computes in its own pass, else -1: the ReLU alone reads its output,
     * directly or through identities that alone read it, and no output on the way is kept.
     */
    private static int[] fusedRelus(NetGraph graph, boolean[] identity, Set<BlobRef> kept) {
        int[] relus = new int[graph.size()];
        java.util.Arrays.fill(relus, -1);
        for (int c = 0; c < graph.size(); c++) {
            if (!(graph.layer(c) instanceof ConvolutionLayer)) {
                continue;
            }
            BlobRef end = new BlobRef(c, 0);
            while (!kept.contains(end)) {
                int r = BatchNormFolding.soleReader(graph, end);
                if (r >= 0 && identity[r]) {
                    end = new BlobRef(r, 0);
                    continue;
                }
                if (r >= 0 && ExecutionPlan.isPlainRelu(graph, r)) {
                    relus[c] = r;
                }
                break;
            }
        }
        return relus;
    }
}

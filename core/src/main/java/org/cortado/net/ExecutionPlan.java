package org.cortado.net;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.cortado.layers.ConcatLayer;
import org.cortado.layers.ConvolutionLayer;
import org.cortado.layers.ReLULayer;

/**
 * How a forward pass runs a net's layers, decided once from its graph: which ReLUs a convolution computes in its own
 * pass ({@link #withReluFusion}) and which concats their convolutions write in place ({@link #withConcatsInPlace}).
 * Immutable; a net replaces its plan when asked for another form. By default ({@link #layerByLayer}) every layer
 * runs on its own and keeps its own output.
 */
final class ExecutionPlan {
    private final boolean[] fusedIntoPrevious;
    private final int[] concatOf;
    private final int[] concatOffset;
    private final int[] firstWriter;
    private final List<String> fusedConvolutions;
    private final List<String> concatsInPlace;

    private ExecutionPlan(boolean[] fusedIntoPrevious, int[] concatOf, int[] concatOffset, int[] firstWriter,
                          List<String> fusedConvolutions, List<String> concatsInPlace) {
        this.fusedIntoPrevious = fusedIntoPrevious;
        this.concatOf = concatOf;
        this.concatOffset = concatOffset;
        this.firstWriter = firstWriter;
        this.fusedConvolutions = fusedConvolutions;
        this.concatsInPlace = concatsInPlace;
    }

    /** Every layer on its own: nothing fused, no concat written in place. */
    static ExecutionPlan layerByLayer(int layers) {
        int[] none = new int[layers];
        Arrays.fill(none, -1);
        return new ExecutionPlan(new boolean[layers], none, new int[layers], none, List.of(), List.of());
    }

    /**
     * This plan with each convolution fused with a ReLU of slope 0 that comes right after it and alone reads its
     * output (Caffe's in-place ReLU); the concats written in place stay as they were.
     */
    ExecutionPlan withReluFusion(NetGraph graph) {
        boolean[] fused = new boolean[graph.size()];
        List<String> names = new ArrayList<>();
        for (int i = 0; i + 1 < graph.size(); i++) {
            BlobRef convOut = new BlobRef(i, 0);
            if (graph.layer(i) instanceof ConvolutionLayer && graph.layer(i + 1) instanceof ReLULayer relu
                    && relu.settings().negativeSlope() == 0f && graph.bottoms(i + 1).equals(List.of(convOut))
                    && graph.readers(convOut) == 1) {
                fused[i + 1] = true;
                names.add(graph.layer(i).name());
            }
        }
        return new ExecutionPlan(fused, concatOf, concatOffset, firstWriter, List.copyOf(names), concatsInPlace);
    }

    /**
     * This plan with every Concat on channels whose bottoms are all convolutions' outputs (fused with their ReLU by
     * this plan, or read by nothing else) written by those convolutions straight into its slices.
     */
    ExecutionPlan withConcatsInPlace(NetGraph graph) {
        int n = graph.size();
        int[] concats = new int[n];
        int[] offsets = new int[n];
        int[] first = new int[n];
        Arrays.fill(concats, -1);
        Arrays.fill(first, -1);
        List<String> names = new ArrayList<>();
        for (int c = 0; c < n; c++) {
            if (!(graph.layer(c) instanceof ConcatLayer concat) || concat.axis() != 1
                    || graph.topShapes(c).get(0).rank() != 4) {
                continue;
            }
            List<Integer> writers = writersOf(graph, c);
            if (writers == null) {
                continue;
            }
            int offset = 0;
            for (int j = 0; j < writers.size(); j++) {
                concats[writers.get(j)] = c;
                offsets[writers.get(j)] = offset;
                offset += graph.shapeOf(graph.bottoms(c).get(j)).dim(1);
            }
            first[c] = Collections.min(writers);
            names.add(graph.layer(c).name());
        }
        return new ExecutionPlan(fusedIntoPrevious, concats, offsets, first, fusedConvolutions, List.copyOf(names));
    }

    /** The convolutions that write concat {@code c}'s bottoms, in order, or null unless each bottom has one. */
    private List<Integer> writersOf(NetGraph graph, int c) {
        List<Integer> writers = new ArrayList<>();
        for (BlobRef ref : graph.bottoms(c)) {
            int writer = ref.layer() - (fusedIntoPrevious(ref.layer()) ? 1 : 0);
            if (ref.top() != 0 || graph.readers(ref) != 1 || !(graph.layer(writer) instanceof ConvolutionLayer)
                    || writers.contains(writer)) {
                return null;
            }
            writers.add(writer);
        }
        return writers;
    }

    /** Whether layer {@code i} is a ReLU its convolution computes (the two share one tensor). */
    boolean fusedIntoPrevious(int i) {
        return fusedIntoPrevious[i];
    }

    /** For a convolution that writes a concat's slice, that concat's index; else -1. */
    int concatOf(int i) {
        return concatOf[i];
    }

    /** For such a convolution, its first channel in the concat's top. */
    int concatOffset(int i) {
        return concatOffset[i];
    }

    /** For a concat written in place, the index of its first writer; else -1. */
    int firstWriter(int i) {
        return firstWriter[i];
    }

    /** The convolutions fused with their ReLU, in order. */
    List<String> fusedConvolutions() {
        return fusedConvolutions;
    }

    /** The concats written in place, in order. */
    List<String> concatsInPlace() {
        return concatsInPlace;
    }
}

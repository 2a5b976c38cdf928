package org.cortado.net;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import org.cortado.layers.ConcatLayer;
import org.cortado.layers.ConvolutionLayer;
import org.cortado.layers.ReLULayer;

/**
 * How a forward pass runs a net's layers, decided once from its graph: which ReLUs a convolution computes in its own
 * pass ({@link #withReluFusion}), which concats their convolutions write in place ({@link #withConcatsInPlace}) and,
 * for inference ({@link InferencePlanner}), which layers are the identity (a BatchNorm or Scale folded into its
 * convolution, a test-time Dropout) and which write their top over their bottom. Immutable; a net replaces its plan
 * when asked for another form. By default ({@link #layerByLayer}) every layer runs on its own and keeps its own
 * output.
 */
final class ExecutionPlan {
    /** Per convolution, the ReLU it computes in its pass, else -1; per such ReLU, its convolution, else -1. */
    private final int[] reluOf;
    private final int[] convOf;
    private final int[] concatOf;
    private final int[] concatOffset;
    private final int[] firstWriter;
    private final boolean[] identity;
    private final boolean[] inPlace;
    private final List<String> fusedConvolutions;
    private final List<String> concatsInPlace;

    private ExecutionPlan(int[] reluOf, int[] convOf, int[] concatOf, int[] concatOffset, int[] firstWriter,
                          boolean[] identity, boolean[] inPlace, List<String> fusedConvolutions,
                          List<String> concatsInPlace) {
        this.reluOf = reluOf;
        this.convOf = convOf;
        this.concatOf = concatOf;
        this.concatOffset = concatOffset;
        this.firstWriter = firstWriter;
        this.identity = identity;
        this.inPlace = inPlace;
        this.fusedConvolutions = fusedConvolutions;
        this.concatsInPlace = concatsInPlace;
    }

    /** Every layer on its own: nothing fused, no concat written in place. */
    static ExecutionPlan layerByLayer(int layers) {
        return new ExecutionPlan(none(layers), none(layers), none(layers), new int[layers], none(layers),
                new boolean[layers], new boolean[layers], List.of(), List.of());
    }

    private static int[] none(int n) {
        int[] a = new int[n];
        Arrays.fill(a, -1);
        return a;
    }

    /**
     * This plan with each convolution fused with a ReLU of slope 0 that comes right after it and alone reads its
     * output (Caffe's in-place ReLU); the concats written in place stay as they were.
     */
    ExecutionPlan withReluFusion(NetGraph graph) {
        int[] relus = none(graph.size());
        int[] convs = none(graph.size());
        List<String> names = new ArrayList<>();
        for (int i = 0; i + 1 < graph.size(); i++) {
            BlobRef convOut = new BlobRef(i, 0);
            if (graph.layer(i) instanceof ConvolutionLayer && isPlainRelu(graph, i + 1)
                    && graph.bottoms(i + 1).equals(List.of(convOut)) && graph.readers(convOut) == 1) {
                relus[i] = i + 1;
                convs[i + 1] = i;
                names.add(graph.layer(i).name());
            }
        }
        return new ExecutionPlan(relus, convs, concatOf, concatOffset, firstWriter, identity, inPlace,
                List.copyOf(names), concatsInPlace);
    }

    /** Whether layer {@code i} is a ReLU of slope 0, the one a convolution can compute. */
    static boolean isPlainRelu(NetGraph graph, int i) {
        return graph.layer(i) instanceof ReLULayer relu && relu.settings().negativeSlope() == 0f;
    }

    /**
     * This plan with every Concat on channels whose bottoms are all convolutions' outputs (fused with their ReLU by
     * this plan, or read by nothing else) written by those convolutions straight into its slices, except where a
     * convolution or its ReLU is in {@code keep} (their own outputs must stay).
     */
    ExecutionPlan withConcatsInPlace(NetGraph graph, Set<Integer> keep) {
        int n = graph.size();
        int[] concats = none(n);
        int[] offsets = new int[n];
        int[] first = none(n);
        List<String> names = new ArrayList<>();
        for (int c = 0; c < n; c++) {
            if (!(graph.layer(c) instanceof ConcatLayer concat) || concat.axis() != 1
                    || graph.topShapes(c).get(0).rank() != 4) {
                continue;
            }
            List<Integer> writers = writersOf(graph, c, keep);
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
        return new ExecutionPlan(reluOf, convOf, concats, offsets, first, identity, inPlace, fusedConvolutions,
                List.copyOf(names));
    }

    /** The convolutions that write concat {@code c}'s bottoms, in order, or null unless each bottom has one. */
    private List<Integer> writersOf(NetGraph graph, int c, Set<Integer> keep) {
        List<Integer> writers = new ArrayList<>();
        for (BlobRef ref : graph.bottoms(c)) {
            int writer = convOf[ref.layer()] >= 0 ? convOf[ref.layer()] : ref.layer();
            if (ref.top() != 0 || graph.readers(ref) != 1 || !(graph.layer(writer) instanceof ConvolutionLayer)
                    || writers.contains(writer) || keep.contains(writer) || keep.contains(ref.layer())
                    || (writer != ref.layer() && graph.readers(new BlobRef(writer, 0)) != 1)) {
                return null;
            }
            writers.add(writer);
        }
        return writers;
    }

    /**
     * This plan with the inference forms {@link InferencePlanner} chose: convolution {@code c} computing ReLU
     * {@code reluOf[c]} (with only identities between them), the identity layers, and the layers that write their
     * top over their bottom.
     */
    ExecutionPlan forInference(int[] relus, boolean[] identities, boolean[] inPlaceLayers, NetGraph graph) {
        int[] convs = none(relus.length);
        List<String> names = new ArrayList<>();
        for (int c = 0; c < relus.length; c++) {
            if (relus[c] >= 0) {
                convs[relus[c]] = c;
                names.add(graph.layer(c).name());
            }
        }
        return new ExecutionPlan(relus.clone(), convs, concatOf, concatOffset, firstWriter, identities.clone(),
                inPlaceLayers.clone(), List.copyOf(names), concatsInPlace);
    }

    /** Whether layer {@code i} is a ReLU its convolution computes (the two share one tensor). */
    boolean fusedIntoPrevious(int i) {
        return convOf[i] >= 0;
    }

    /** For a convolution that computes a ReLU in its pass, that ReLU; else -1. */
    int reluOf(int i) {
        return reluOf[i];
    }

    /** For a ReLU a convolution computes, that convolution; else -1. */
    int convOf(int i) {
        return convOf[i];
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

    /** Whether layer {@code i} computes the identity in this plan: it does not run, its top is its bottom. */
    boolean identity(int i) {
        return identity[i];
    }

    /** Whether layer {@code i} writes its top over its bottom's tensor. */
    boolean inPlace(int i) {
        return inPlace[i];
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

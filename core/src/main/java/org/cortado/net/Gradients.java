package org.cortado.net;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.cortado.backend.Backend;
import org.cortado.layers.Layer;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * The gradients of a net's tops and the backward pass that computes them, layer by layer from the losses down, as a
 * {@link BackwardPlan} says. A blob read by several layers gets the sum of their gradients: the first reader to run
 * writes it, the others write their part into a tensor of their own that is then added.
 */
final class Gradients {
    private final NetGraph graph;
    private final Backend backend;
    /** Gradients of each layer's tops, allocated on first need. */
    private final List<List<Tensor>> topDiffs = new ArrayList<>();
    /** Scratch gradients for blobs read by several layers, by shape: a later reader's part is added from here. */
    private final Map<Shape, Tensor> accumulationScratch = new HashMap<>();
    /** Per (layer, bottom): the part of a blob's gradient to be added to what an earlier reader wrote. */
    private final Map<BlobRef, Tensor> partialDiffs = new HashMap<>();
    /** How often each layer's backward ran: instrumentation that shows pruned (frozen) layers never run. */
    private final long[] runs;

    Gradients(NetGraph graph, Backend backend) {
        this.graph = graph;
        this.backend = backend;
        for (int i = 0; i < graph.size(); i++) {
            List<Tensor> none = new ArrayList<>();
            for (int t = 0; t < graph.layer(i).tops().size(); t++) {
                none.add(null);
            }
            topDiffs.add(none);
        }
        this.runs = new long[graph.size()];
    }

    /**
     * Back-propagates from the losses: each layer the plan runs, from the last, gets its top gradients (the loss
     * weight where no reader wrote one, plus the loss weight where one did) and computes its bottoms' gradients from
     * the {@code tops} the last forward left. Parameter gradients accumulate.
     *
     * @param forwardPlan the plan the last training forward prepared for, or null after a test-time pass
     * @throws IllegalStateException when a layer learns now that the last forward kept nothing for
     */
    void backward(BackwardPlan plan, BackwardPlan forwardPlan, List<List<Tensor>> tops) {
        for (int i = 0; forwardPlan != null && i < graph.size(); i++) {
            if (plan.runs(i) && !forwardPlan.runs(i)) {
                throw new IllegalStateException("layer '" + graph.layer(i).name() + "' learns now but backward "
                        + "skipped it when the last forward ran, which kept nothing for it: run forward again after "
                        + "changing learning-rate multipliers");
            }
        }
        boolean[][] written = new boolean[graph.size()][];
        for (int i = 0; i < graph.size(); i++) {
            written[i] = new boolean[graph.layer(i).tops().size()];
        }
        for (int i = graph.size() - 1; i >= 0; i--) {
            if (!plan.runs(i)) {
                continue;
            }
            Layer layer = graph.layer(i);
            List<Tensor> dTops = new ArrayList<>();
            for (int t = 0; t < layer.tops().size(); t++) {
                Tensor d = topDiff(i, t);
                float w = layer.lossWeight(t);
                if (!written[i][t]) {
                    backend.fill(d, w);
                } else if (w != 0f) {
                    Tensor weight = accumulationScratch.computeIfAbsent(d.shape(), backend::allocate);
                    backend.fill(weight, w);
                    backend.axpby(1f, weight, 1f, d);
                }
                dTops.add(d);
            }
            List<Tensor> dBottoms = new ArrayList<>();
            List<Tensor> addLater = new ArrayList<>();
            List<BlobRef> refs = graph.bottoms(i);
            for (int b = 0; b < refs.size(); b++) {
                BlobRef r = refs.get(b);
                if (!plan.needs(i, b)) {
                    dBottoms.add(null);
                    addLater.add(null);
                } else if (!written[r.layer()][r.top()]) {
                    dBottoms.add(topDiff(r.layer(), r.top()));
                    addLater.add(null);
                    written[r.layer()][r.top()] = true;
                } else {
                    Tensor part = partialDiff(i, b, graph.shapeOf(r));
                    dBottoms.add(part);
                    addLater.add(part);
                }
            }
            layer.backward(backend, ForwardPass.bottoms(graph, tops, i), tops.get(i), dTops, dBottoms);
            runs[i]++;
            for (int b = 0; b < refs.size(); b++) {
                if (addLater.get(b) != null) {
                    BlobRef r = refs.get(b);
                    backend.axpby(1f, addLater.get(b), 1f, topDiff(r.layer(), r.top()));
                }
            }
        }
    }

    /** The weighted loss of the last forward: the sum over tops with a loss weight of weight x sum of the top. */
    static double loss(NetGraph graph, Backend backend, List<List<Tensor>> tops) {
        double loss = 0;
        for (int i = 0; i < graph.size(); i++) {
            for (int t = 0; t < tops.get(i).size(); t++) {
                float w = graph.layer(i).lossWeight(t);
                if (w != 0f) {
                    float[] v = backend.download(tops.get(i).get(t)).hostData();
                    double sum = 0;
                    for (int k = 0, n = tops.get(i).get(t).count(); k < n; k++) {
                        sum += v[k];
                    }
                    loss += w * sum;
                }
            }
        }
        return loss;
    }

    /** How many times layer {@code i}'s backward has run. */
    long runs(int i) {
        return runs[i];
    }

    /** The gradient of top {@code t} of layer {@code i}, or null if none was computed yet. */
    Tensor existing(int i, int t) {
        return topDiffs.get(i).get(t);
    }

    /**
     * The gradient tensor of top {@code t} of layer {@code i}. Where one layer alone reads that top and may run its
     * backward in place ({@link Layer#backwardInPlace}: Caffe's in-place ReLU), it is that reader's top gradient:
     * the reader writes its bottom's gradient over it, which saves a tensor and a pass over a second one (measured in
     * bench/RESULTS.md, "What helped": the in-place ReLU gradient).
     */
    private Tensor topDiff(int i, int t) {
        Shape shape = graph.topShapes(i).get(t);
        Tensor d = topDiffs.get(i).get(t);
        if (d == null || !d.shape().equals(shape)) {
            int reader = inPlaceReader(i, t);
            d = reader >= 0 ? topDiff(reader, 0)
                    : NetGraph.allocate(backend, graph.layer(i), "gradient of top '" + graph.layer(i).tops().get(t) + "'",
                            shape);
            topDiffs.get(i).set(t, d);
        }
        return d;
    }

    /** The one layer that reads top {@code t} of layer {@code i}, if it may run backward in place; else -1. */
    private int inPlaceReader(int i, int t) {
        BlobRef top = new BlobRef(i, t);
        if (graph.readers(top) != 1) {
            return -1;
        }
        for (int l = 0; l < graph.size(); l++) {
            if (graph.bottoms(l).equals(List.of(top)) && graph.layer(l).backwardInPlace()
                    && graph.topShapes(l).get(0).equals(graph.topShapes(i).get(t))) {
                return l;
            }
        }
        return -1;
    }

    /** Where bottom {@code b} of layer {@code i} puts its part of a gradient that another reader already wrote. */
    private Tensor partialDiff(int i, int b, Shape shape) {
        BlobRef key = new BlobRef(i, b);
        Tensor t = partialDiffs.get(key);
        if (t == null || !t.shape().equals(shape)) {
            t = NetGraph.allocate(backend, graph.layer(i), "gradient of bottom '" + graph.layer(i).bottoms().get(b) + "'",
                    shape);
            partialDiffs.put(key, t);
        }
        return t;
    }
}

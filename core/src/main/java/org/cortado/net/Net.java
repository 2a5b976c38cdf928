package org.cortado.net;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.cortado.backend.Backend;
import org.cortado.caffe.proto.Caffe.LayerParameter;
import org.cortado.caffe.proto.Caffe.NetParameter;
import org.cortado.layers.ConcatLayer;
import org.cortado.layers.ConvolutionLayer;
import org.cortado.layers.InputLayer;
import org.cortado.layers.Layer;
import org.cortado.layers.LayerFactory;
import org.cortado.layers.NetDefinitionException;
import org.cortado.layers.Param;
import org.cortado.layers.Phase;
import org.cortado.layers.ReLULayer;
import org.cortado.tensor.InsufficientMemoryException;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * A directed acyclic graph of layers over named blobs, on one backend, as Caffe's Net.
 *
 * <p>Each layer writes its own top tensors. A blob name maps to the tensor of its last writer, so after forward
 * {@code blob("conv1")} is the ReLU'd value when an in-place ReLU follows conv1, while {@code output("conv1")} is
 * the convolution's own output, unless the two are fused ({@link #fuseReLUs}).
 */
public final class Net {
    /** Where a layer's bottom comes from: top {@code top} of layer {@code layer}. */
    private record BlobRef(int layer, int top) {
    }

    private final NetParameter definition;
    private final Phase phase;
    private final Backend backend;
    private final List<Layer> layers = new ArrayList<>();
    private final Map<String, Integer> layerIndex = new HashMap<>();
    private final List<List<BlobRef>> bottomRefs = new ArrayList<>();
    private final List<List<Tensor>> tops = new ArrayList<>();
    private final List<List<Shape>> topShapes = new ArrayList<>();
    private final Map<String, BlobRef> blobs = new LinkedHashMap<>();
    private final Map<String, BlobRef> inputs = new LinkedHashMap<>();
    /** The phase layers run in; starts as the build phase, switched for validation during training. */
    private Phase mode;
    /** Gradients of each layer's tops, allocated on first need. */
    private final List<List<Tensor>> topDiffs = new ArrayList<>();
    /** Scratch gradients for blobs read by several layers, by shape: a later reader's part is added from here. */
    private final Map<Shape, Tensor> accumulationScratch = new HashMap<>();
    /** Per (layer, bottom): the part of a blob's gradient to be added to what an earlier reader wrote. */
    private final Map<BlobRef, Tensor> partialDiffs = new HashMap<>();
    /**
     * Per layer, whether it is a ReLU fused into the convolution before it ({@link #fuseReLUs}); empty until then.
     */
    private boolean[] fusedIntoPrevious = new boolean[0];
    /**
     * Per layer: for a convolution that {@link #writeConcatsInPlace} lets write into a Concat's top, that concat's
     * index, else -1 (and -1 for every layer until then).
     */
    private int[] concatOf = new int[0];
    /** Per layer: for such a convolution, its first channel in the concat's top. */
    private int[] concatOffset = new int[0];
    /** Per layer: for a concat written in place, the index of its first writer; else -1. */
    private int[] firstWriter = new int[0];
    /** The backward plan the last training forward ran by ({@link #forwardRange}), or null after a test pass. */
    private boolean[][] forwardPlan;
    /** How often each layer's backward ran: instrumentation that shows pruned (frozen) layers never run. */
    private final List<Long> backwardRuns = new ArrayList<>();

    private Net(NetParameter definition, Phase phase, Backend backend) {
        this.definition = definition;
        this.phase = phase;
        this.mode = phase;
        this.backend = backend;
    }

    /**
     * Builds a net from a (V2) definition for {@code phase} on {@code backend}, with zero parameters; load weights
     * with {@link #copyWeightsFrom}.
     */
    public static Net build(NetParameter def, Phase phase, Backend backend) {
        NetParameter normalized = NetDefinitions.normalize(def, phase);
        Net net = new Net(normalized, phase, backend);
        for (LayerParameter lp : normalized.getLayerList()) {
            net.add(LayerFactory.create(lp));
        }
        if (net.layers.isEmpty()) {
            throw new NetDefinitionException("net '" + def.getName() + "' has no layers for phase " + phase);
        }
        net.reshape();
        return net;
    }

    private void add(Layer layer) {
        if (layerIndex.containsKey(layer.name())) {
            throw new NetDefinitionException(layer.config().describe() + ": a layer of this name already exists");
        }
        int index = layers.size();
        List<BlobRef> refs = new ArrayList<>();
        List<Shape> bottomShapes = new ArrayList<>();
        for (String bottom : layer.bottoms()) {
            BlobRef ref = blobs.get(bottom);
            if (ref == null) {
                throw new NetDefinitionException(layer.config().describe() + ": bottom blob '" + bottom
                        + "' is not produced by any earlier layer");
            }
            refs.add(ref);
            bottomShapes.add(topShapes.get(ref.layer()).get(ref.top()));
        }
        List<Shape> shapes;
        try {
            layer.setUp(backend, bottomShapes);
            shapes = layer.reshape(bottomShapes);
        } catch (IllegalArgumentException e) {
            // Shape arithmetic (a product past 2^31-1, a bad geometry) fails without knowing the layer it serves.
            throw new NetDefinitionException(layer.config().describe() + ": " + e.getMessage(), e);
        }
        layers.add(layer);
        layerIndex.put(layer.name(), index);
        bottomRefs.add(refs);
        topShapes.add(shapes);
        tops.add(new ArrayList<>(Collections.nCopies(shapes.size(), (Tensor) null)));
        topDiffs.add(new ArrayList<>(Collections.nCopies(shapes.size(), (Tensor) null)));
        backwardRuns.add(0L);
        for (int t = 0; t < layer.tops().size(); t++) {
            blobs.put(layer.tops().get(t), new BlobRef(index, t));
            if (layer instanceof InputLayer) {
                inputs.put(layer.tops().get(t), new BlobRef(index, t));
            }
        }
    }

    /** Re-derives every top shape from the input shapes and (re)allocates tops whose shape changed. */
    private void reshape() {
        for (int i = 0; i < layers.size(); i++) {
            Layer layer = layers.get(i);
            List<Shape> bottomShapes = new ArrayList<>();
            List<Tensor> bottoms = new ArrayList<>();
            for (BlobRef ref : bottomRefs.get(i)) {
                bottomShapes.add(topShapes.get(ref.layer()).get(ref.top()));
                bottoms.add(tops.get(ref.layer()).get(ref.top()));
            }
            List<Shape> shapes;
            try {
                shapes = layer.reshape(bottomShapes);
            } catch (IllegalArgumentException e) {
                throw new NetDefinitionException(layer.config().describe() + ": " + e.getMessage(), e);
            }
            topShapes.set(i, shapes);
            List<Tensor> views = layer.topViews(bottoms, shapes);
            List<Tensor> own = tops.get(i);
            for (int t = 0; t < shapes.size(); t++) {
                if (isFusedIntoPrevious(i)) {
                    own.set(t, tops.get(i - 1).get(0));
                } else if (views != null) {
                    own.set(t, views.get(t));
                } else if (own.get(t) == null || !own.get(t).shape().equals(shapes.get(t))) {
                    own.set(t, allocate(i, "top '" + layer.tops().get(t) + "'", shapes.get(t)));
                }
            }
        }
    }

    /** A tensor for layer {@code i}; a refusal names the layer and {@code what} the tensor is. */
    private Tensor allocate(int i, String what, Shape shape) {
        try {
            return backend.allocate(shape);
        } catch (InsufficientMemoryException e) {
            throw e.about(layers.get(i).config().describe() + ": " + what + " " + shape);
        }
    }

    // ---- weights --------------------------------------------------------------------------------------------------

    /**
     * Copies weights by layer name, as Caffe does. Every layer with parameters must find its blobs, of fitting
     * shapes, unless listed in {@code mayLack} (freshly initialised layers, such as a replaced classifier).
     *
     * @return the names of layers with blobs in {@code weights} that this net does not have (ignored)
     */
    public List<String> copyWeightsFrom(org.cortado.caffe.CaffeWeights weights, java.util.Set<String> mayLack) {
        String file = weights.source() == null ? "the weights" : weights.source().toString();
        for (Layer layer : layers) {
            if (layer.params().isEmpty()) {
                continue;
            }
            var stored = weights.layer(layer.name());
            if (stored.isEmpty()) {
                if (mayLack.contains(layer.name())) {
                    continue;
                }
                throw new NetDefinitionException(layer.config().describe() + ": no weights for it in " + file
                        + " (expected " + describeParams(layer) + ")");
            }
            var blobsOfLayer = stored.get().blobs();
            if (blobsOfLayer.size() != layer.params().size()) {
                throw new NetDefinitionException(layer.config().describe() + ": " + file + " has "
                        + blobsOfLayer.size() + " blob(s), the layer has " + layer.params().size() + ": "
                        + describeParams(layer));
            }
            for (int i = 0; i < blobsOfLayer.size(); i++) {
                Param param = layer.params().get(i);
                var blob = blobsOfLayer.get(i);
                if (!blob.fits(param.shape())) {
                    throw new NetDefinitionException(layer.config().describe() + ": blob " + i + " has shape "
                            + blob.shape() + " in " + file + ", the prototxt makes it " + param.shape());
                }
                Tensor host = blob.toTensor(param.shape());
                param.setData(backend.device().equals(host.device()) ? host : backend.upload(host));
            }
        }
        List<String> ignored = new ArrayList<>();
        for (var lw : weights.layers()) {
            if (!layerIndex.containsKey(lw.layerName()) && !lw.blobs().isEmpty()) {
                ignored.add(lw.layerName());
            }
        }
        for (var lw : weights.layers()) {
            Integer idx = layerIndex.get(lw.layerName());
            if (idx != null && layers.get(idx).params().isEmpty() && !lw.blobs().isEmpty()) {
                throw new NetDefinitionException(layers.get(idx).config().describe() + ": " + file + " has "
                        + lw.blobs().size() + " blob(s) for it, but the layer takes no parameters");
            }
        }
        return ignored;
    }

    /** {@link #copyWeightsFrom(org.cortado.caffe.CaffeWeights, java.util.Set)} where every layer must be found. */
    public List<String> copyWeightsFrom(org.cortado.caffe.CaffeWeights weights) {
        return copyWeightsFrom(weights, java.util.Set.of());
    }

    private static String describeParams(Layer layer) {
        List<String> parts = new ArrayList<>();
        for (Param p : layer.params()) {
            parts.add(p.shape().toString());
        }
        return String.join(", ", parts);
    }

    // ---- running --------------------------------------------------------------------------------------------------

    /** The names of the input blobs, in order. */
    public List<String> inputNames() {
        return List.copyOf(inputs.keySet());
    }

    /** The current shape of input blob {@code name}. */
    public Shape inputShape(String name) {
        BlobRef ref = inputRef(name);
        return topShapes.get(ref.layer()).get(ref.top());
    }

    /** Changes the shape of an input blob (e.g. the batch size) and reshapes the net. Modified: this net. */
    public void setInputShape(String name, Shape shape) {
        setInputShapes(Map.of(name, shape));
    }

    /**
     * Changes the shapes of several input blobs at once (image and label batch sizes must change together) and
     * reshapes the net once. Modified: this net.
     */
    public void setInputShapes(Map<String, Shape> shapes) {
        boolean changed = false;
        for (var e : shapes.entrySet()) {
            BlobRef ref = inputRef(e.getKey());
            if (!e.getValue().equals(inputShape(e.getKey()))) {
                ((InputLayer) layers.get(ref.layer())).setShape(ref.top(), e.getValue());
                changed = true;
            }
        }
        if (changed) {
            reshape();
        }
    }

    private BlobRef inputRef(String name) {
        BlobRef ref = inputs.get(name);
        if (ref == null) {
            throw new NetDefinitionException("net '" + definition.getName() + "' has no input blob '" + name
                    + "'; inputs: " + inputs.keySet());
        }
        return ref;
    }

    /** The tensor of input blob {@code name}, to be filled before {@link #forward()}. */
    public Tensor input(String name) {
        BlobRef ref = inputRef(name);
        return tops.get(ref.layer()).get(ref.top());
    }

    /**
     * Sets the inputs (host or device tensors; the net takes their shapes) and runs every layer.
     */
    public void forward(Map<String, Tensor> values) {
        setInputs(values);
        forwardRange(0, layers.size() - 1);
    }

    /** Runs every layer on the inputs as they are. */
    public void forward() {
        forwardRange(0, layers.size() - 1);
    }

    /** Sets the inputs and runs the layers up to and including {@code lastLayer}. */
    public void forwardTo(Map<String, Tensor> values, String lastLayer) {
        setInputs(values);
        forwardRange(0, indexOf(lastLayer));
    }

    private void setInputs(Map<String, Tensor> values) {
        Map<String, Shape> shapes = new HashMap<>();
        for (var e : values.entrySet()) {
            shapes.put(e.getKey(), e.getValue().shape());
        }
        setInputShapes(shapes);
        for (var e : values.entrySet()) {
            Tensor dst = input(e.getKey());
            Tensor src = e.getValue();
            if (src.device().equals(backend.device())) {
                backend.copy(src, dst);
            } else {
                backend.copy(backend.upload(src), dst);
            }
        }
    }

    private void forwardRange(int from, int to) {
        // In training, the layers that backward will prune (a frozen prefix) keep nothing for it: they run as at test
        // time where that computes the same values (MAX pooling without its argmax, concats written in place).
        boolean[][] plan = mode == Phase.TRAIN ? backwardPlan() : null;
        forwardPlan = plan;
        for (int i = from; i <= to; i++) {
            boolean withRelu = i < to && isFusedIntoPrevious(i + 1);
            int concat = i < concatOf.length ? concatOf[i] : -1;
            Layer layer = layers.get(i);
            if (concat >= 0 && writesInPlace(concat, from, to, plan)) {
                ((ConvolutionLayer) layer).forwardInto(backend, bottomsOf(i), withRelu, tops.get(concat).get(0),
                        concatOffset[i]);
            } else if (withRelu) {
                ((ConvolutionLayer) layer).forwardWithRelu(backend, bottomsOf(i), tops.get(i));
            } else if (!writesInPlace(i, from, to, plan)) {
                boolean keepsNothing = plan != null && plan[i] == null && layer.trainsOnlyForBackward();
                layer.forward(backend, keepsNothing ? Phase.TEST : mode, bottomsOf(i), tops.get(i));
            }
            if (withRelu) {
                i++;
            }
        }
    }

    /**
     * Whether layer {@code concat} is a concat whose bottoms a pass over layers {@code [from, to]} writes in place:
     * with every writer and the concat itself in the pass, at test time or, in training ({@code plan} not null), where
     * backward prunes the concat and its writers (their own tensors are then stale, and nothing reads them).
     */
    private boolean writesInPlace(int concat, int from, int to, boolean[][] plan) {
        if (!(concat < firstWriter.length && firstWriter[concat] >= from && concat <= to)) {
            return false;
        }
        if (plan == null) {
            return mode == Phase.TEST;
        }
        for (int j = firstWriter[concat]; j <= concat; j++) {
            if ((j == concat || concatOf[j] == concat) && plan[j] != null) {
                return false;
            }
        }
        return true;
    }

    /**
     * At test time, has every Concat on channels whose bottoms are all convolutions' outputs (fused with their ReLU
     * by {@link #fuseReLUs}, or read by nothing else) get those convolutions written straight into its slices
     * ({@link Backend#convolutionForwardInto}): the concat copies nothing. A pass that runs the writers and the concat
     * does this; the writers' own tensors are then left as they were, so this is for nets whose intermediate outputs
     * nobody reads (code nets, {@code classify}, fine-tuning). Training passes do it only where backward prunes the
     * concat and its writers (a frozen prefix); passes that stop inside such a group run layer by layer. Call after
     * {@link #fuseReLUs}. Modified: this net.
     *
     * @return the names of the concats written in place, in order
     */
    public List<String> writeConcatsInPlace() {
        int n = layers.size();
        int[] concats = new int[n];
        int[] offsets = new int[n];
        int[] first = new int[n];
        java.util.Arrays.fill(concats, -1);
        java.util.Arrays.fill(first, -1);
        List<String> names = new ArrayList<>();
        for (int c = 0; c < n; c++) {
            if (!(layers.get(c) instanceof ConcatLayer concat) || concat.axis() != 1
                    || topShapes.get(c).get(0).rank() != 4) {
                continue;
            }
            List<Integer> writers = new ArrayList<>();
            for (BlobRef ref : bottomRefs.get(c)) {
                int writer = ref.layer() - (isFusedIntoPrevious(ref.layer()) ? 1 : 0);
                if (ref.top() != 0 || readers(ref) != 1 || !(layers.get(writer) instanceof ConvolutionLayer)
                        || writers.contains(writer)) {
                    writers = null;
                    break;
                }
                writers.add(writer);
            }
            if (writers == null) {
                continue;
            }
            int offset = 0;
            for (int j = 0; j < writers.size(); j++) {
                concats[writers.get(j)] = c;
                offsets[writers.get(j)] = offset;
                offset += topShapes.get(bottomRefs.get(c).get(j).layer()).get(0).dim(1);
            }
            first[c] = java.util.Collections.min(writers);
            names.add(layers.get(c).name());
        }
        concatOf = concats;
        concatOffset = offsets;
        firstWriter = first;
        return names;
    }

    /**
     * Fuses each convolution with a ReLU of slope 0 that comes right after it and is the only reader of its output
     * (as Caffe's in-place ReLUs are): a forward pass through both has the convolution write the ReLU'd values
     * ({@link Backend#convolutionReluForward}, which clamps where the output is written anyway) and the ReLU runs no
     * pass of its own. The two layers then share one tensor, so after such a pass {@link #output} of the
     * convolution is the ReLU'd value, as Caffe's blob is; {@link #forwardTo} the convolution itself still leaves its
     * own output. Backward is unchanged: the ReLU's gradient reads the shared tensor, and {@code relu(x) > 0}
     * exactly where {@code x > 0}. Off by default, so that every layer's own output is kept (the per-layer reference
     * outputs are those); the feature extraction and fine-tuning nets turn it on. Modified: this net.
     *
     * @return the names of the convolutions fused, in order
     */
    public List<String> fuseReLUs() {
        boolean[] fused = new boolean[layers.size()];
        List<String> names = new ArrayList<>();
        for (int i = 0; i + 1 < layers.size(); i++) {
            BlobRef convOut = new BlobRef(i, 0);
            if (layers.get(i) instanceof ConvolutionLayer && layers.get(i + 1) instanceof ReLULayer relu
                    && relu.settings().negativeSlope() == 0f && bottomRefs.get(i + 1).equals(List.of(convOut))
                    && readers(convOut) == 1) {
                fused[i + 1] = true;
                names.add(layers.get(i).name());
            }
        }
        fusedIntoPrevious = fused;
        reshape();
        return names;
    }

    /** How many layers read top {@code ref}. */
    private int readers(BlobRef ref) {
        int n = 0;
        for (List<BlobRef> refs : bottomRefs) {
            for (BlobRef r : refs) {
                if (r.equals(ref)) {
                    n++;
                }
            }
        }
        return n;
    }

    /** Whether layer {@code layer} is a ReLU that {@link #fuseReLUs} fused into the convolution before it. */
    public boolean isFusedIntoPrevious(int layer) {
        return layer < fusedIntoPrevious.length && fusedIntoPrevious[layer];
    }

    /** Runs the layers from {@code firstLayer} to the last on the tensors as they are (e.g. a restored prefix). */
    public void forwardFrom(String firstLayer) {
        forwardRange(indexOf(firstLayer), layers.size() - 1);
    }

    /**
     * The phase layers run in from now on: TRAIN (dropout draws masks, BatchNorm uses batch statistics, MAX layers
     * record their argmax for backward) or TEST. A net built for TRAIN switches to TEST to validate. Modified: net.
     */
    public void setMode(Phase mode) {
        this.mode = mode;
    }

    public Phase mode() {
        return mode;
    }

    /**
     * Positions every stochastic layer's random stream: layer {@code i} draws from
     * {@code CounterRng.derive(seed, i)} at step {@code step} on its next training forward (see
     * {@link Layer#setRandomState}). Modified: the layers.
     */
    public void setRandomState(long seed, long step) {
        for (int i = 0; i < layers.size(); i++) {
            layers.get(i).setRandomState(org.cortado.backend.CounterRng.derive(seed, i), step);
        }
    }

    // ---- loss and backward ----------------------------------------------------------------------------------------

    /** The weighted loss of the last forward: the sum over tops with a loss weight of weight x sum of the top. */
    public double loss() {
        double loss = 0;
        for (int i = 0; i < layers.size(); i++) {
            for (int t = 0; t < tops.get(i).size(); t++) {
                float w = layers.get(i).lossWeight(t);
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

    /** Zeroes the gradients of the learned parameters (Caffe's ClearParamDiffs). */
    public void clearParamDiffs() {
        for (Param p : params()) {
            if (p.isLearned()) {
                backend.fill(p.diff(backend), 0f);
            }
        }
    }

    /**
     * Which layers run backward and which of their bottoms get a gradient, by Caffe's rules (net.cpp Init): a blob
     * needs a gradient when its producer has a learned parameter or a bottom that needs one; a layer that does not
     * lead to a loss is pruned; labels and other bottoms a layer cannot propagate to get none. Recomputed at each
     * backward, so that changing multipliers (freezing) takes effect at once.
     *
     * @return per layer, per bottom, whether that bottom gets a gradient; null for a layer pruned from backward
     */
    private boolean[][] backwardPlan() {
        int n = layers.size();
        boolean[][] blobNeeds = new boolean[n][];
        boolean[] layerNeeds = new boolean[n];
        boolean[][] bottomNeeds = new boolean[n][];
        for (int i = 0; i < n; i++) {
            Layer layer = layers.get(i);
            List<BlobRef> refs = bottomRefs.get(i);
            bottomNeeds[i] = new boolean[refs.size()];
            boolean needs = false;
            for (int b = 0; b < refs.size(); b++) {
                BlobRef r = refs.get(b);
                bottomNeeds[i][b] = blobNeeds[r.layer()][r.top()] && layer.canPropagateTo(b);
                needs |= bottomNeeds[i][b];
            }
            for (Param p : layer.params()) {
                needs |= p.isLearned();
            }
            layerNeeds[i] = needs;
            blobNeeds[i] = new boolean[layer.tops().size()];
            java.util.Arrays.fill(blobNeeds[i], needs);
        }
        boolean[][] underLoss = new boolean[n][];
        for (int i = 0; i < n; i++) {
            underLoss[i] = new boolean[layers.get(i).tops().size()];
        }
        boolean[][] plan = new boolean[n][];
        for (int i = n - 1; i >= 0; i--) {
            Layer layer = layers.get(i);
            boolean contributes = false;
            for (int t = 0; t < layer.tops().size(); t++) {
                contributes |= layer.lossWeight(t) != 0f || underLoss[i][t];
            }
            if (!contributes || !layerNeeds[i]) {
                continue;
            }
            for (BlobRef r : bottomRefs.get(i)) {
                underLoss[r.layer()][r.top()] = true;
            }
            plan[i] = bottomNeeds[i];
        }
        return plan;
    }

    /**
     * Back-propagates from the losses of the last forward (which must have run in TRAIN mode for MAX pooling and
     * dropout): every learned parameter's gradient is accumulated (+=; see {@link #clearParamDiffs}), pruned
     * layers do not run. A blob read by several layers gets the sum of their gradients.
     */
    public void backward() {
        boolean[][] plan = backwardPlan();
        for (int i = 0; forwardPlan != null && i < layers.size(); i++) {
            if (plan[i] != null && forwardPlan[i] == null) {
                throw new IllegalStateException("layer '" + layers.get(i).name() + "' learns now but backward "
                        + "skipped it when the last forward ran, which kept nothing for it: run forward again after "
                        + "changing learning-rate multipliers");
            }
        }
        boolean[][] written = new boolean[layers.size()][];
        for (int i = 0; i < layers.size(); i++) {
            written[i] = new boolean[layers.get(i).tops().size()];
        }
        for (int i = layers.size() - 1; i >= 0; i--) {
            if (plan[i] == null) {
                continue;
            }
            Layer layer = layers.get(i);
            List<Tensor> dTops = new ArrayList<>();
            for (int t = 0; t < layer.tops().size(); t++) {
                Tensor d = topDiff(i, t);
                float w = layer.lossWeight(t);
                if (!written[i][t]) {
                    backend.fill(d, w);
                } else if (w != 0f) {
                    Tensor weight = scratchFor(d.shape());
                    backend.fill(weight, w);
                    backend.axpby(1f, weight, 1f, d);
                }
                dTops.add(d);
            }
            List<Tensor> dBottoms = new ArrayList<>();
            List<Tensor> addLater = new ArrayList<>();
            List<BlobRef> refs = bottomRefs.get(i);
            for (int b = 0; b < refs.size(); b++) {
                BlobRef r = refs.get(b);
                if (!plan[i][b]) {
                    dBottoms.add(null);
                    addLater.add(null);
                } else if (!written[r.layer()][r.top()]) {
                    dBottoms.add(topDiff(r.layer(), r.top()));
                    addLater.add(null);
                    written[r.layer()][r.top()] = true;
                } else {
                    Tensor part = partialDiff(i, b, topShapes.get(r.layer()).get(r.top()));
                    dBottoms.add(part);
                    addLater.add(part);
                }
            }
            layer.backward(backend, bottomsOf(i), tops.get(i), dTops, dBottoms);
            backwardRuns.set(i, backwardRuns.get(i) + 1);
            for (int b = 0; b < refs.size(); b++) {
                if (addLater.get(b) != null) {
                    BlobRef r = refs.get(b);
                    backend.axpby(1f, addLater.get(b), 1f, topDiff(r.layer(), r.top()));
                }
            }
        }
    }

    /**
     * Forward in the current mode from {@code inputs}, backward, and the loss. Parameter gradients accumulate;
     * clear them first for a fresh step.
     */
    public double forwardBackward(Map<String, Tensor> inputs) {
        forward(inputs);
        double loss = loss();
        backward();
        return loss;
    }

    /** How many times layer {@code name}'s backward has run (0 for a layer pruned from backward). */
    public long backwardRuns(String name) {
        return backwardRuns.get(indexOf(name));
    }

    /**
     * The gradient of top {@code t} of layer {@code i} after {@link #backward}, or null if none was computed. For a
     * top read by an in-place layer alone ({@link Layer#backwardInPlace}) this is that layer's top gradient tensor,
     * which its backward overwrote with this top's gradient (Caffe's in-place blobs share one diff likewise).
     */
    public Tensor topDiffOf(int i, int t) {
        return topDiffs.get(i).get(t);
    }

    /**
     * The gradient tensor of top {@code t} of layer {@code i}. Where one layer alone reads that top and may run its
     * backward in place ({@link Layer#backwardInPlace}: Caffe's in-place ReLU), it is that reader's top gradient:
     * the reader writes its bottom's gradient over it, which saves a tensor and the reading of a second one (SqueezeNet
     * relu_conv1's backward at batch 16 on 2 threads: 7.2-8.3 ms into a separate tensor, 3.6-5.4 ms in place).
     */
    private Tensor topDiff(int i, int t) {
        Shape shape = topShapes.get(i).get(t);
        Tensor d = topDiffs.get(i).get(t);
        if (d == null || !d.shape().equals(shape)) {
            int reader = inPlaceReader(i, t);
            d = reader >= 0 ? topDiff(reader, 0) : allocate(i, "gradient of top '" + layers.get(i).tops().get(t)
                    + "'", shape);
            topDiffs.get(i).set(t, d);
        }
        return d;
    }

    /** The one layer that reads top {@code t} of layer {@code i}, if it may run backward in place; else -1. */
    private int inPlaceReader(int i, int t) {
        BlobRef top = new BlobRef(i, t);
        if (readers(top) != 1) {
            return -1;
        }
        for (int l = 0; l < layers.size(); l++) {
            if (bottomRefs.get(l).equals(List.of(top)) && layers.get(l).backwardInPlace()
                    && topShapes.get(l).get(0).equals(topShapes.get(i).get(t))) {
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
            t = allocate(i, "gradient of bottom '" + layers.get(i).bottoms().get(b) + "'", shape);
            partialDiffs.put(key, t);
        }
        return t;
    }

    private Tensor scratchFor(Shape shape) {
        return accumulationScratch.computeIfAbsent(shape, backend::allocate);
    }

    // ---- inspection -------------------------------------------------------------------------------------------------

    public List<Layer> layers() {
        return Collections.unmodifiableList(layers);
    }

    public int indexOf(String layerName) {
        Integer i = layerIndex.get(layerName);
        if (i == null) {
            throw new NetDefinitionException("net '" + definition.getName() + "' has no layer '" + layerName + "'");
        }
        return i;
    }

    public Layer layer(String name) {
        return layers.get(indexOf(name));
    }

    /** The bottom tensors of layer {@code i}, as the last forward saw them. */
    public List<Tensor> bottomsOf(int i) {
        List<Tensor> bottoms = new ArrayList<>();
        for (BlobRef ref : bottomRefs.get(i)) {
            bottoms.add(tops.get(ref.layer()).get(ref.top()));
        }
        return bottoms;
    }

    /** The index of the layer that produced bottom {@code b} of layer {@code i}, and which top of it. */
    public int[] producerOf(int i, int b) {
        BlobRef ref = bottomRefs.get(i).get(b);
        return new int[] {ref.layer(), ref.top()};
    }

    /** The top tensors of layer {@code i}: its own output. */
    public List<Tensor> topsOf(int i) {
        return Collections.unmodifiableList(tops.get(i));
    }

    /** The current top shapes of layer {@code i}. */
    public List<Shape> topShapesOf(int i) {
        return topShapes.get(i);
    }

    /**
     * Layer {@code layerName}'s own first output (before any in-place layer that follows it; after its ReLU where
     * {@link #fuseReLUs} fused the two, and not written by test-time passes where {@link #writeConcatsInPlace} sends
     * it to a concat).
     */
    public Tensor output(String layerName) {
        return tops.get(indexOf(layerName)).get(0);
    }

    /** Whether a blob of this name exists. */
    public boolean hasBlob(String name) {
        return blobs.containsKey(name);
    }

    /** Blob {@code name} as its last writer left it. */
    public Tensor blob(String name) {
        BlobRef ref = blobs.get(name);
        if (ref == null) {
            throw new NetDefinitionException("net '" + definition.getName() + "' has no blob '" + name + "'");
        }
        return tops.get(ref.layer()).get(ref.top());
    }

    /** The blob names, in order of first appearance. */
    public List<String> blobNames() {
        return List.copyOf(blobs.keySet());
    }

    /** All parameters, layer by layer. */
    public List<Param> params() {
        List<Param> all = new ArrayList<>();
        for (Layer l : layers) {
            all.addAll(l.params());
        }
        return all;
    }

    /** The normalized definition this net was built from (legacy inputs upgraded, phase-filtered). */
    public NetParameter definition() {
        return definition;
    }

    public Phase phase() {
        return phase;
    }

    public Backend backend() {
        return backend;
    }

    public String name() {
        return definition.getName();
    }
}

package org.cortado.net;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.cortado.backend.Backend;
import org.cortado.caffe.proto.Caffe.NetParameter;
import org.cortado.layers.ConvolutionLayer;
import org.cortado.layers.InputLayer;
import org.cortado.layers.Layer;
import org.cortado.layers.NetDefinitionException;
import org.cortado.layers.Param;
import org.cortado.layers.Phase;
import org.cortado.tensor.InsufficientMemoryException;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * A directed acyclic graph of layers over named blobs, on one backend, as Caffe's Net: its {@link NetGraph} (layers,
 * blobs, shapes), the tensors on it, and the {@link ExecutionPlan} a forward pass follows.
 *
 * <p>Each layer writes its own top tensors. A blob name maps to the tensor of its last writer, so after forward
 * {@code blob("conv1")} is the ReLU'd value when an in-place ReLU follows conv1, while {@code output("conv1")} is
 * the convolution's own output, unless the two are fused ({@link #fuseReLUs}). Weights come from a caffemodel through
 * {@link NetWeights} (or {@link LoadedNet}, which reads both files).
 */
public final class Net {
    private final NetParameter definition;
    private final Phase phase;
    private final Backend backend;
    private final NetGraph graph;
    private final List<List<Tensor>> tops = new ArrayList<>();
    private final Gradients gradients;
    private ExecutionPlan plan;
    /** The phase layers run in; starts as the build phase, switched for validation during training. */
    private Phase mode;
    /** The backward plan the last training forward ran by ({@link #forwardRange}), or null after a test pass. */
    private BackwardPlan forwardPlan;

    private Net(NetParameter definition, Phase phase, Backend backend, NetGraph graph) {
        this.definition = definition;
        this.phase = phase;
        this.mode = phase;
        this.backend = backend;
        this.graph = graph;
        this.plan = ExecutionPlan.layerByLayer(graph.size());
        this.gradients = new Gradients(graph, backend);
        for (int i = 0; i < graph.size(); i++) {
            tops.add(new ArrayList<>(Collections.nCopies(graph.layer(i).tops().size(), (Tensor) null)));
        }
    }

    /**
     * Builds a net from a (V2) definition for {@code phase} on {@code backend}, with zero parameters; load weights
     * with {@link NetWeights#copy}.
     */
    public static Net build(NetParameter def, Phase phase, Backend backend) {
        return buildNormalized(NetDefinitions.normalize(def, phase), phase, backend, LayerInsertion.NONE);
    }

    /**
     * Builds a definition that {@link NetDefinitions#normalize} already normalized for {@code phase}, adding the
     * layers {@code insertion} asks for as it goes (a code net's poolings, which depend on the shapes built); the
     * net's {@link #definition} holds them too. Parameters are zero, as with {@link #build}.
     */
    public static Net buildNormalized(NetParameter normalized, Phase phase, Backend backend,
                                      LayerInsertion insertion) {
        NetGraph graph = NetGraph.build(normalized, backend, phase, insertion);
        NetParameter built = insertion == LayerInsertion.NONE ? normalized
                : normalized.toBuilder().clearLayer().addAllLayer(graph.definitions()).build();
        Net net = new Net(built, phase, backend, graph);
        net.reshape();
        return net;
    }

    /** Re-derives every top shape from the input shapes and (re)allocates tops whose shape changed. */
    private void reshape() {
        graph.reshape();
        allocateTops();
    }

    /** Gives each top its tensor: the convolution's for a fused ReLU, a view where the layer makes one, or its own. */
    private void allocateTops() {
        for (int i = 0; i < graph.size(); i++) {
            Layer layer = graph.layer(i);
            List<Shape> shapes = graph.topShapes(i);
            List<Tensor> views = layer.topViews(bottomsOf(i), shapes);
            List<Tensor> own = tops.get(i);
            for (int t = 0; t < shapes.size(); t++) {
                if (plan.fusedIntoPrevious(i)) {
                    own.set(t, tops.get(i - 1).get(0));
                } else if (views != null) {
                    own.set(t, views.get(t));
                } else if (own.get(t) == null || !own.get(t).shape().equals(shapes.get(t))) {
                    own.set(t, allocate(backend, layer, "top '" + layer.tops().get(t) + "'", shapes.get(t)));
                }
            }
        }
    }

    /** A tensor for {@code layer} on {@code backend}; a refusal names the layer and {@code what} the tensor is. */
    static Tensor allocate(Backend backend, Layer layer, String what, Shape shape) {
        try {
            return backend.allocate(shape);
        } catch (InsufficientMemoryException e) {
            throw e.about(layer.config().describe() + ": " + what + " " + shape);
        }
    }

    // ---- running --------------------------------------------------------------------------------------------------

    /** The names of the input blobs, in order. */
    public List<String> inputNames() {
        return List.copyOf(graph.inputs().keySet());
    }

    /** The current shape of input blob {@code name}. */
    public Shape inputShape(String name) {
        return graph.shapeOf(graph.input(name));
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
            BlobRef ref = graph.input(e.getKey());
            if (!e.getValue().equals(inputShape(e.getKey()))) {
                ((InputLayer) graph.layer(ref.layer())).setShape(ref.top(), e.getValue());
                changed = true;
            }
        }
        if (changed) {
            reshape();
        }
    }

    /** The tensor of input blob {@code name}, to be filled before {@link #forward()}. */
    public Tensor input(String name) {
        BlobRef ref = graph.input(name);
        return tops.get(ref.layer()).get(ref.top());
    }

    /**
     * Sets the inputs (host or device tensors; the net takes their shapes) and runs every layer.
     */
    public void forward(Map<String, Tensor> values) {
        setInputs(values);
        forwardRange(0, graph.size() - 1);
    }

    /** Runs every layer on the inputs as they are. */
    public void forward() {
        forwardRange(0, graph.size() - 1);
    }

    /** Sets the inputs and runs the layers up to and including {@code lastLayer}. */
    public void forwardTo(Map<String, Tensor> values, String lastLayer) {
        setInputs(values);
        forwardRange(0, indexOf(lastLayer));
    }

    /** Runs the layers from {@code firstLayer} to the last on the tensors as they are (e.g. a restored prefix). */
    public void forwardFrom(String firstLayer) {
        forwardRange(indexOf(firstLayer), graph.size() - 1);
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
        BackwardPlan backwardPlan = mode == Phase.TRAIN ? BackwardPlan.of(graph) : null;
        forwardPlan = backwardPlan;
        for (int i = from; i <= to; i++) {
            boolean withRelu = i < to && plan.fusedIntoPrevious(i + 1);
            int concat = plan.concatOf(i);
            Layer layer = graph.layer(i);
            if (concat >= 0 && writesInPlace(concat, from, to, backwardPlan)) {
                ((ConvolutionLayer) layer).forwardInto(backend, bottomsOf(i), withRelu, tops.get(concat).get(0),
                        plan.concatOffset(i));
            } else if (withRelu) {
                ((ConvolutionLayer) layer).forwardWithRelu(backend, bottomsOf(i), tops.get(i));
            } else if (!writesInPlace(i, from, to, backwardPlan)) {
                boolean keepsNothing = backwardPlan != null && !backwardPlan.runs(i) && layer.trainsOnlyForBackward();
                layer.forward(backend, keepsNothing ? Phase.TEST : mode, bottomsOf(i), tops.get(i));
            }
            if (withRelu) {
                i++;
            }
        }
    }

    /**
     * Whether layer {@code concat} is a concat whose bottoms a pass over layers {@code [from, to]} writes in place:
     * with every writer and the concat itself in the pass, at test time or, in training ({@code backwardPlan} not
     * null), where backward prunes the concat and its writers (their own tensors are then stale, and nothing reads
     * them).
     */
    private boolean writesInPlace(int concat, int from, int to, BackwardPlan backwardPlan) {
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
        plan = plan.withConcatsInPlace(graph);
        return plan.concatsInPlace();
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
        plan = plan.withReluFusion(graph);
        allocateTops();
        return plan.fusedConvolutions();
    }

    /** Whether layer {@code layer} is a ReLU that {@link #fuseReLUs} fused into the convolution before it. */
    public boolean isFusedIntoPrevious(int layer) {
        return plan.fusedIntoPrevious(layer);
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
        for (int i = 0; i < graph.size(); i++) {
            graph.layer(i).setRandomState(org.cortado.backend.CounterRng.derive(seed, i), step);
        }
    }

    // ---- loss and backward ----------------------------------------------------------------------------------------

    /** The weighted loss of the last forward: the sum over tops with a loss weight of weight x sum of the top. */
    public double loss() {
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

    /** Zeroes the gradients of the learned parameters (Caffe's ClearParamDiffs). */
    public void clearParamDiffs() {
        for (Param p : params()) {
            if (p.isLearned()) {
                backend.fill(p.diff(backend), 0f);
            }
        }
    }

    /**
     * Back-propagates from the losses of the last forward (which must have run in TRAIN mode for MAX pooling and
     * dropout): every learned parameter's gradient is accumulated (+=; see {@link #clearParamDiffs}), pruned
     * layers do not run ({@link BackwardPlan}, derived afresh so that changing multipliers takes effect at once). A
     * blob read by several layers gets the sum of their gradients.
     */
    public void backward() {
        BackwardPlan backwardPlan = BackwardPlan.of(graph);
        for (int i = 0; forwardPlan != null && i < graph.size(); i++) {
            if (backwardPlan.runs(i) && !forwardPlan.runs(i)) {
                throw new IllegalStateException("layer '" + graph.layer(i).name() + "' learns now but backward "
                        + "skipped it when the last forward ran, which kept nothing for it: run forward again after "
                        + "changing learning-rate multipliers");
            }
        }
        gradients.backward(backwardPlan, new Gradients.Values() {
            @Override
            public List<Tensor> bottomsOf(int layer) {
                return Net.this.bottomsOf(layer);
            }

            @Override
            public List<Tensor> topsOf(int layer) {
                return tops.get(layer);
            }
        });
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
        return gradients.runs(indexOf(name));
    }

    /**
     * The gradient of top {@code t} of layer {@code i} after {@link #backward}, or null if none was computed. For a
     * top read by an in-place layer alone ({@link Layer#backwardInPlace}) this is that layer's top gradient tensor,
     * which its backward overwrote with this top's gradient (Caffe's in-place blobs share one diff likewise).
     */
    public Tensor topDiffOf(int i, int t) {
        return gradients.existing(i, t);
    }

    // ---- inspection -------------------------------------------------------------------------------------------------

    public List<Layer> layers() {
        return graph.layers();
    }

    public int indexOf(String layerName) {
        return graph.indexOf(layerName);
    }

    /** Whether a layer of this name exists. */
    public boolean hasLayer(String layerName) {
        return graph.indexOrMinusOne(layerName) >= 0;
    }

    public Layer layer(String name) {
        return graph.layer(indexOf(name));
    }

    /** The bottom tensors of layer {@code i}, as the last forward saw them. */
    public List<Tensor> bottomsOf(int i) {
        List<Tensor> bottoms = new ArrayList<>();
        for (BlobRef ref : graph.bottoms(i)) {
            bottoms.add(tops.get(ref.layer()).get(ref.top()));
        }
        return bottoms;
    }

    /** The index of the layer that produced bottom {@code b} of layer {@code i}, and which top of it. */
    public int[] producerOf(int i, int b) {
        BlobRef ref = graph.bottoms(i).get(b);
        return new int[] {ref.layer(), ref.top()};
    }

    /** The top tensors of layer {@code i}: its own output. */
    public List<Tensor> topsOf(int i) {
        return Collections.unmodifiableList(tops.get(i));
    }

    /** The current top shapes of layer {@code i}. */
    public List<Shape> topShapesOf(int i) {
        return graph.topShapes(i);
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
        return graph.blob(name) != null;
    }

    /** Blob {@code name} as its last writer left it. */
    public Tensor blob(String name) {
        BlobRef ref = graph.blob(name);
        if (ref == null) {
            throw new NetDefinitionException("net '" + definition.getName() + "' has no blob '" + name + "'");
        }
        return tops.get(ref.layer()).get(ref.top());
    }

    /** The blob names, in order of first appearance. */
    public List<String> blobNames() {
        return graph.blobNames();
    }

    /** All parameters, layer by layer. */
    public List<Param> params() {
        List<Param> all = new ArrayList<>();
        for (Layer l : graph.layers()) {
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

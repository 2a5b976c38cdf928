package org.cortado.net;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.cortado.backend.Backend;
import org.cortado.caffe.proto.Caffe.NetParameter;
import org.cortado.layers.InputLayer;
import org.cortado.layers.Layer;
import org.cortado.layers.NetDefinitionException;
import org.cortado.layers.Param;
import org.cortado.layers.Phase;
import org.cortado.net.proto.LayerInsertion;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * A directed acyclic graph of layers over named blobs, on one backend, as Caffe's Net: its {@link NetGraph} (layers,
 * blobs, shapes), the tensors on it, and the {@link ExecutionPlan} a forward pass follows.
 *
 * <p>Each layer writes its own top tensors. A blob name maps to the tensor of its last writer, so after forward
 * {@code blob("conv1")} is the ReLU'd value when an in-place ReLU follows conv1, while {@code output("conv1")} is
 * the convolution's own output, unless the two are fused ({@link #fuseReLUs}). A net planned for inference
 * ({@link #planInference}) keeps only the outputs asked for, the others sharing memory once read. Weights come from a
 * caffemodel through {@link NetWeights} (or {@link LoadedNet}, which reads both files).
 */
public final class Net {
    private final NetParameter definition;
    private final Phase phase;
    private final Backend backend;
    private final NetGraph graph;
    /** Each layer's top tensors, made when first needed after a change of shapes or plan ({@link #tensors}). */
    private final List<List<Tensor>> tops = new ArrayList<>();
    private boolean tensorsCurrent;
    private final Gradients gradients;
    private ExecutionPlan plan;
    /** The phase layers run in; starts as the build phase, switched for validation during training. */
    private Phase mode;
    /** The backward plan the last training forward ran by ({@link #forwardRange}), or null after a test pass. */
    private BackwardPlan forwardPlan;
    /** Set by {@link #planInference}: where the outputs live, and which survive a pass. */
    private InferencePlanner.Planned inference;
    /**
     * Whether nothing outside this net holds its parameters' memory ({@link LoadedNet}, which reads the caffemodel
     * for this net alone), so that a fold may overwrite them rather than copy them.
     */
    private boolean ownsWeights;

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
    public static Net build(NetDefinition def, Phase phase, Backend backend) {
        return buildNormalized(def.normalizedProto(phase), phase, backend, backend, LayerInsertion.NONE);
    }

    /**
     * Builds a definition that {@link NetDefinition#normalized} already normalized for {@code phase}, adding the
     * layers {@code insertion} asks for as it goes (a code net's poolings, which depend on the shapes built); the
     * net's {@link #definition} holds them too. The layers create their parameters on {@code setUpBackend}
     * ({@link DeferredParameters} while weights are to come), and the net runs on {@code backend}.
     */
    static Net buildNormalized(NetParameter normalized, Phase phase, Backend backend, Backend setUpBackend,
                               LayerInsertion insertion) {
        NetGraph graph = NetGraph.build(normalized, setUpBackend, phase, insertion);
        NetParameter built = insertion == LayerInsertion.NONE ? normalized
                : normalized.toBuilder().clearLayer().addAllLayer(graph.definitions()).build();
        Net net = new Net(built, phase, backend, graph);
        net.reshape();
        return net;
    }

    /** Re-derives every top shape from the input shapes; tops whose shape changed are reallocated when next needed. */
    private void reshape() {
        graph.reshape();
        tensorsCurrent = false;
    }

    /**
     * The top tensors, allocated for the current shapes and plan first where those changed: a net planned for
     * inference before its first pass never holds the layer-by-layer tensors.
     */
    private List<List<Tensor>> tensors() {
        if (!tensorsCurrent) {
            allocateTops();
            tensorsCurrent = true;
        }
        return tops;
    }

    /** Gives each top its tensor: the convolution's for a fused ReLU, a view where the layer makes one, or its own. */
    private void allocateTops() {
        if (inference != null) {
            inference.memory().assign(graph, backend, tops);
            return;
        }
        for (int i = 0; i < graph.size(); i++) {
            Layer layer = graph.layer(i);
            List<Shape> shapes = graph.topShapes(i);
            List<Tensor> views = layer.topViews(ForwardPass.bottoms(graph, tops, i), shapes);
            List<Tensor> own = tops.get(i);
            for (int t = 0; t < shapes.size(); t++) {
                if (plan.fusedIntoPrevious(i)) {
                    own.set(t, tops.get(plan.convOf(i)).get(0));
                } else if (views != null) {
                    own.set(t, views.get(t));
                } else if (own.get(t) == null || !own.get(t).shape().equals(shapes.get(t))) {
                    own.set(t, NetGraph.allocate(backend, layer, "top '" + layer.tops().get(t) + "'", shapes.get(t)));
                }
            }
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
        return tensors().get(ref.layer()).get(ref.top());
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
        requireLayerByLayer("run part of a pass");
        setInputs(values);
        forwardRange(0, indexOf(lastLayer));
    }

    /** Runs the layers from {@code firstLayer} to the last on the tensors as they are (e.g. a restored prefix). */
    public void forwardFrom(String firstLayer) {
        requireLayerByLayer("run part of a pass");
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
        new ForwardPass(graph, backend, plan, tensors(), mode, backwardPlan,
                inference == null ? null : inference.memory()).run(from, to);
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
        requireLayerByLayer("change its plan");
        plan = plan.withConcatsInPlace(graph, java.util.Set.of());
        tensorsCurrent = false;
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
        requireLayerByLayer("change its plan");
        plan = plan.withReluFusion(graph);
        tensorsCurrent = false;
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
        if (mode == Phase.TRAIN) {
            requireLayerByLayer("train");
        }
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

    // ---- inference plan ------------------------------------------------------------------------------------------

    /**
     * Plans this test-time net for inference ({@link InferencePlanner}): whole forward passes that keep only what
     * {@code request} asks for, each output living in a buffer shared with others until its last reader has run,
     * layers writing over inputs nobody reads again, BatchNorm and Scale folded into their convolutions where the
     * request allows. Afterwards the outputs that are not kept cannot be read, and the net runs only whole forward
     * passes at test time (no {@link #forwardTo}, {@link #forwardFrom}, backward or training). Call after loading
     * the weights. Modified: this net (with folding, its convolutions' parameters: overwritten where a
     * {@link LoadedNet} owns them, replaced by new tensors otherwise).
     *
     * @return what the plan does with memory at the current input shapes
     * @throws IllegalStateException          for a net built for TRAIN, in TRAIN mode, or planned already
     * @throws org.cortado.layers.NetDefinitionException naming a kept layer or blob the net does not have
     */
    public MemoryReport planInference(InferenceRequest request) {
        if (phase != Phase.TEST || mode != Phase.TEST) {
            throw new IllegalStateException("net '" + name() + "': only a net built for and running at TEST is "
                    + "planned for inference; a training net keeps what its backward pass needs");
        }
        requireLayerByLayer("be planned again");
        boolean[] views = new boolean[graph.size()];
        for (int i = 0; i < graph.size(); i++) {
            List<Tensor> bottoms = new ArrayList<>();
            for (BlobRef ref : graph.bottoms(i)) {
                bottoms.add(ShapesOnly.placeholder(graph.shapeOf(ref)));
            }
            views[i] = graph.layer(i).topViews(bottoms, graph.topShapes(i)) != null;
        }
        inference = InferencePlanner.plan(graph, backend, request, views, ownsWeights);
        plan = inference.execution();
        tensorsCurrent = false;
        return memoryReport();
    }

    /** Marks the parameters' memory as this net's alone (see {@link #ownsWeights}). */
    void ownWeights() {
        ownsWeights = true;
    }

    /** Whether {@link #planInference} planned this net. */
    public boolean isPlanned() {
        return inference != null;
    }

    /** What the inference plan does with memory at the current input shapes; null for a net that is not planned. */
    public MemoryReport memoryReport() {
        if (inference == null) {
            return null;
        }
        return inference.report(graph, plan, params());
    }

    /** The tensor top {@code ref} has under the inference plan, whatever it holds now: for tests. */
    Tensor memoryPlanTensor(BlobRef ref) {
        tensors();
        return inference.memory().tensorOf(ref);
    }

    private void requireLayerByLayer(String what) {
        if (inference != null) {
            throw new IllegalStateException("net '" + name() + "' is planned for inference (whole forward passes "
                    + "that keep only the outputs asked for): it cannot " + what);
        }
    }

    private void requireKept(BlobRef ref) {
        Layer layer = graph.layer(ref.layer());
        if (inference != null && !inference.kept().contains(ref) && !(layer instanceof InputLayer)) {
            throw new IllegalStateException("net '" + name() + "': the output of layer '" + layer.name()
                    + "' is not kept by its inference plan (ask for it when planning)");
        }
    }

    // ---- loss and backward ----------------------------------------------------------------------------------------

    /** The weighted loss of the last forward: the sum over tops with a loss weight of weight x sum of the top. */
    public double loss() {
        return Gradients.loss(graph, backend, tensors());
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
        requireLayerByLayer("run backward");
        gradients.backward(BackwardPlan.of(graph), forwardPlan, tensors());
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

    /** The bottom tensors of layer {@code i}, as the last forward saw them (kept ones only, in a planned net). */
    public List<Tensor> bottomsOf(int i) {
        for (BlobRef ref : graph.bottoms(i)) {
            requireKept(ref);
        }
        return inputsOf(i);
    }

    private List<Tensor> inputsOf(int i) {
        return ForwardPass.bottoms(graph, tensors(), i);
    }

    /** The index of the layer that produced bottom {@code b} of layer {@code i}, and which top of it. */
    public int[] producerOf(int i, int b) {
        BlobRef ref = graph.bottoms(i).get(b);
        return new int[] {ref.layer(), ref.top()};
    }

    /** The top tensors of layer {@code i}: its own output. */
    public List<Tensor> topsOf(int i) {
        for (int t = 0; t < tops.get(i).size(); t++) {
            requireKept(new BlobRef(i, t));
        }
        return Collections.unmodifiableList(tensors().get(i));
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
        requireKept(new BlobRef(indexOf(layerName), 0));
        return tensors().get(indexOf(layerName)).get(0);
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
        requireKept(ref);
        return tensors().get(ref.layer()).get(ref.top());
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
    public NetDefinition definition() {
        return NetDefinition.ofNormalized(definition, phase);
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

package org.cortado.layers;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.cortado.backend.Backend;
import org.cortado.caffe.proto.Caffe.ParamSpec;
import org.cortado.tensor.InsufficientMemoryException;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * One layer of a net: shape inference, forward and backward side by side, as in Caffe.
 *
 * <p>Life cycle: {@link #setUp} once (creates parameters from the bottom shapes), {@link #reshape} whenever bottom
 * shapes change (returns top shapes and validates), then {@link #forward} / {@link #backward} any number of times.
 * Every layer writes its own top tensors, also when Caffe runs it in place, so that each layer's own output can be
 * inspected; the net maps a blob name to its last writer.
 */
public abstract class Layer {
    protected final LayerConfig config;
    private final List<Param> params = new ArrayList<>();
    private final Map<String, Tensor> scratch = new HashMap<>();

    protected Layer(LayerConfig config, int minBottoms, int maxBottoms, int minTops, int maxTops) {
        this.config = config;
        int b = config.bottoms().size();
        int t = config.tops().size();
        if (b < minBottoms || b > maxBottoms) {
            throw error("takes " + range(minBottoms, maxBottoms) + " bottom blob(s), got " + b);
        }
        if (t < minTops || t > maxTops) {
            throw error("takes " + range(minTops, maxTops) + " top blob(s), got " + t);
        }
    }

    public final String name() {
        return config.name();
    }

    public final LayerType type() {
        return config.type();
    }

    public final LayerConfig config() {
        return config;
    }

    public final List<String> bottoms() {
        return config.bottoms();
    }

    public final List<String> tops() {
        return config.tops();
    }

    /** The learnable parameters, in Caffe's blob order (weight, then bias). */
    public final List<Param> params() {
        return Collections.unmodifiableList(params);
    }

    /** Creates parameters for the given bottom shapes; called once, before the first {@link #reshape}. */
    public void setUp(Backend backend, List<Shape> bottomShapes) {
    }

    /** Validates the bottom shapes and returns the top shapes. */
    public abstract List<Shape> reshape(List<Shape> bottomShapes);

    /** Computes the tops from the bottoms. */
    public abstract void forward(Backend backend, Phase phase, List<Tensor> bottoms, List<Tensor> tops);

    /**
     * Computes bottom gradients (entries of {@code bottomDiffs} are null where none is wanted; the others are
     * overwritten) and accumulates parameter gradients of learned parameters.
     */
    public void backward(Backend backend, List<Tensor> bottoms, List<Tensor> tops, List<Tensor> topDiffs,
                         List<Tensor> bottomDiffs) {
        throw new UnsupportedOperationException(config.describe() + ": backward is not available for this layer");
    }

    /**
     * The loss weight of top {@code top} when the prototxt gives none: 0, except for loss layers, whose first top
     * weighs 1 (Caffe's LossLayer default).
     */
    public float defaultLossWeight(int top) {
        return 0f;
    }

    /** The loss weight of each top: the prototxt's {@code loss_weight} values, else {@link #defaultLossWeight}. */
    public final float lossWeight(int top) {
        List<Float> given = config.lossWeights();
        if (!given.isEmpty()) {
            return top < given.size() ? given.get(top) : 0f;
        }
        return defaultLossWeight(top);
    }

    /**
     * Whether backward can give a gradient for bottom {@code index} (false for labels). The net never asks for
     * the others.
     */
    public boolean canPropagateTo(int index) {
        return true;
    }

    /**
     * Whether this layer's TRAIN forward differs from its TEST forward only in what it keeps for its own backward (MAX
     * pooling's argmax): where its backward will not run (a frozen prefix), a net runs it as at test time.
     */
    public boolean trainsOnlyForBackward() {
        return false;
    }

    /**
     * Whether this layer's backward may write its bottom's gradient over its top's gradient: one bottom and one top
     * of the same shape, each element of the top gradient read before the same element of the bottom gradient is
     * written (an elementwise layer, such as Caffe's in-place ReLU). Where this layer alone reads its bottom, a net
     * then gives the two gradients one tensor, as Caffe's in-place blobs share one diff.
     */
    public boolean backwardInPlace() {
        return false;
    }

    /**
     * Whether this layer's forward may write its top over its bottom: one bottom (or a first bottom that is the data,
     * the rest parameters) and one top of the same shape, each element of the bottom read before the same element of
     * the top is written (Caffe runs such layers in place: ReLU, BatchNorm, Scale, Dropout). A net planned for
     * inference then gives both one tensor where nothing reads the bottom afterwards.
     */
    public boolean forwardInPlace() {
        return false;
    }

    /**
     * Positions the layer's random stream, for stochastic layers (Dropout): the next training forward draws from
     * {@code seed} at step {@code step}, the one after at {@code step + 1}, and so on. A no-op for the others.
     * Modified: this layer.
     */
    public void setRandomState(long seed, long step) {
    }

    /**
     * Tops that share the bottoms' memory (Flatten, Reshape, Split), or null to have the net allocate them. Views
     * cost nothing and still are this layer's own output, with the same values.
     */
    public List<Tensor> topViews(List<Tensor> bottoms, List<Shape> topShapes) {
        return null;
    }

    /** Whether the caller wants the gradient of bottom {@code i}. */
    protected static boolean wants(List<Tensor> bottomDiffs, int i) {
        return bottomDiffs.get(i) != null;
    }

    /** Adds parameter number {@link #params()}.size() with multipliers from the prototxt's ParamSpec. */
    protected final Param addParam(Backend backend, Shape shape) {
        int index = params.size();
        ParamSpec spec = index < config.paramSpecs().size() ? config.paramSpecs().get(index) : null;
        String name = spec != null && spec.hasName() && !spec.getName().isEmpty()
                ? spec.getName() : config.name() + "/" + index;
        float lr = spec == null ? 1f : spec.getLrMult();
        float decay = spec == null ? 1f : spec.getDecayMult();
        Tensor values;
        try {
            values = backend.allocate(shape);
        } catch (InsufficientMemoryException e) {
            throw e.about(config.describe() + ": parameter " + index + " of shape " + shape);
        }
        Param p = new Param(name, values, lr, decay);
        params.add(p);
        return p;
    }

    /** A work tensor kept between calls, reallocated when its shape or device changes. */
    protected final Tensor scratch(Backend backend, String key, Shape shape) {
        Tensor t = scratch.get(key);
        if (t == null || !t.shape().equals(shape) || !t.device().equals(backend.device())) {
            try {
                t = backend.allocate(shape);
            } catch (InsufficientMemoryException e) {
                throw e.about(config.describe() + ": work tensor '" + key + "' of shape " + shape);
            }
            scratch.put(key, t);
        }
        return t;
    }

    /** The scratch tensor made by {@link #scratch} under {@code key} (for backward), or null. */
    protected final Tensor existingScratch(String key) {
        return scratch.get(key);
    }

    /** An error naming this layer. */
    protected final NetDefinitionException error(String message) {
        return new NetDefinitionException(config.describe() + ": " + message);
    }

    /** A shape seen as {@code (outer, channels, inner)} around one axis: Softmax, losses, Accuracy. */
    protected record AxisSplit(int axis, int outer, int channels, int inner) {
    }

    /** Splits {@code shape} around {@code axis} (negative counts from the end); an error names this layer. */
    protected final AxisSplit splitAt(Shape shape, int axis) {
        int a = canonicalAxis(shape, axis);
        return new AxisSplit(a, shape.count(0, a), shape.dim(a), shape.countFrom(a + 1));
    }

    /** Caffe's CanonicalAxisIndex, with an error naming this layer. */
    protected final int canonicalAxis(Shape shape, int axis) {
        try {
            return shape.canonicalAxis(axis);
        } catch (IllegalArgumentException e) {
            throw error(e.getMessage());
        }
    }

    /** Fails unless {@code labels} has one value per position of {@code scores} outside the class axis. */
    protected final void requireOneLabelPerPosition(Shape labels, Shape scores, AxisSplit split) {
        if (labels.count() != split.outer() * split.inner()) {
            throw error("labels " + labels + " must hold one value per position of scores " + scores
                    + " outside axis " + split.axis() + " (" + split.outer() * split.inner() + ")");
        }
    }

    protected final void requireRank(Shape shape, int rank, String what) {
        if (shape.rank() != rank) {
            throw error(what + " must have " + rank + " axes, got shape " + shape);
        }
    }

    private static String range(int min, int max) {
        if (min == max) {
            return String.valueOf(min);
        }
        return max == Integer.MAX_VALUE ? "at least " + min : min + " to " + max;
    }

    @Override
    public String toString() {
        return config.describe();
    }
}

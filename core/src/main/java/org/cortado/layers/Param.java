package org.cortado.layers;

import org.cortado.backend.Backend;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * A learnable blob of a layer: its values, its gradient, and Caffe's per-parameter multipliers.
 *
 * <p>Freezing is data: a parameter with {@code lrMult == 0} is never updated, and the net skips computing its
 * gradient when nothing else needs it.
 */
public final class Param {
    private final String name;
    private final Shape shape;
    private Tensor data;
    private Tensor diff;
    private float lrMult;
    private float decayMult;

    /**
     * @param name      "{layer}/{index}" unless the prototxt names it (Caffe's ParamSpec.name, for sharing)
     * @param data      the values, on the net's backend
     * @param lrMult    multiplier on the solver's learning rate (0 freezes)
     * @param decayMult multiplier on the solver's weight decay
     */
    public Param(String name, Tensor data, float lrMult, float decayMult) {
        this.name = name;
        this.shape = data.shape();
        this.data = data;
        this.lrMult = lrMult;
        this.decayMult = decayMult;
    }

    public String name() {
        return name;
    }

    public Shape shape() {
        return shape;
    }

    public Tensor data() {
        return data;
    }

    /** Replaces the values (same shape), e.g. when a net moves to another backend. Modified: this param. */
    public void setData(Tensor newData) {
        Shape.requireEqual("param " + name, shape, newData.shape());
        this.data = newData;
        this.diff = null;
    }

    /** The gradient, allocated zeroed on first use on {@code backend}. */
    public Tensor diff(Backend backend) {
        if (diff == null || !diff.device().equals(backend.device())) {
            diff = backend.allocate(shape);
        }
        return diff;
    }

    /** The gradient if one was allocated, else null. */
    public Tensor diffOrNull() {
        return diff;
    }

    public float lrMult() {
        return lrMult;
    }

    public float decayMult() {
        return decayMult;
    }

    public void setLrMult(float lrMult) {
        this.lrMult = lrMult;
    }

    public void setDecayMult(float decayMult) {
        this.decayMult = decayMult;
    }

    /** Whether the solver changes this parameter. */
    public boolean isLearned() {
        return lrMult != 0f;
    }

    @Override
    public String toString() {
        return name + shape;
    }
}

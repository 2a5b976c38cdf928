package org.cortado.backend;

/**
 * How a parameter's accumulated gradient {@code diff} becomes the gradient {@code g} that a solver's update rule
 * steps along, in Caffe's order (ClipGradients and Normalize scale it, Regularize adds the weight decay):
 * {@code g = scale * diff + decay * data} with L2 regularisation, {@code g = scale * diff + decay * sign(data)} with
 * L1 ({@code sign} is Caffe's {@code caffe_sign}: 0 for 0).
 *
 * @param scale the clipping factor over {@code iter_size}
 * @param decay {@code weight_decay * decay_mult}
 * @param l1    L1 ({@code regularization_type: "L1"}) instead of L2
 */
public record SolverGradient(float scale, float decay, boolean l1) {
    /** The L2 form: {@code g = scale * diff + decay * data}. */
    public static SolverGradient l2(float scale, float decay) {
        return new SolverGradient(scale, decay, false);
    }
}

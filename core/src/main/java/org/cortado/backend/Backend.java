package org.cortado.backend;

import java.util.List;
import java.util.Map;
import org.cortado.image.PixelBatch;
import org.cortado.tensor.Device;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * The operations layers and solvers run, on one device. The pure-Java {@code CpuBackend} is complete and is the
 * oracle; a GPU backend implements the same operations on device memory. Layers call a backend passed to them and
 * never ask which one they have.
 *
 * <p>Conventions, for every method: all tensors belong to this backend's device; shapes are checked by the layer
 * that calls (backends may assume them); an input gradient ({@code dinp}) is overwritten, a parameter gradient
 * ({@code dweight}, {@code dbias}) is accumulated (+=), as Caffe's diffs are. The operations of Caffe's less common
 * layers are in {@link #layerOps()}.
 */
public interface Backend extends AutoCloseable {

    /** A short name for messages ("cpu", "cuda:0 (NVIDIA H200)"). */
    String name();

    Device device();

    /**
     * The settings besides the inputs that decide the bits of this backend's results (its device, and where they
     * matter the thread split or kernel choices), by name: a resumed run must see the same ones to continue bit for
     * bit. Default: the device, as {@link #name()} describes it.
     */
    default Map<String, String> numerics() {
        return Map.of("device", name());
    }

    // ---- memory -------------------------------------------------------------------------------------------------

    /** A zero-filled tensor on this device. */
    Tensor allocate(Shape shape);

    /** A tensor on this device holding a copy of {@code host}. */
    Tensor upload(Tensor host);

    /** A host tensor holding a copy of {@code t} (any device this backend can read). */
    Tensor download(Tensor t);

    /** Copies {@code src} into {@code dst} (same element count). */
    void copy(Tensor src, Tensor dst);

    /** Sets every element of {@code t} to {@code value}. */
    void fill(Tensor t, float value);

    /**
     * Writes the transformed images of {@code batch} (crop, mirror, mean, scale: {@link PixelBatch#transformInto},
     * exactly) into {@code output} of shape {@code batch.outputShape()}. A GPU backend uploads the 8-bit pixels and
     * transforms them on the device, a quarter of the floats' traffic; this default transforms on the host and uploads.
     */
    default void transformPixels(PixelBatch batch, Tensor output) {
        float[] host = new float[output.count()];
        batch.transformInto(host, 0);
        copy(upload(Tensor.wrap(output.shape(), host)), output);
    }

    /**
     * The operations of Caffe's less common layers on this backend's tensors ({@link LayerOps}; {@link HostLayerOps}
     * runs them on host arrays).
     */
    LayerOps layerOps();

    /** Waits until all queued work on this device is done (a no-op on the CPU). */
    default void synchronize() {
    }

    @Override
    default void close() {
    }

    // ---- dense linear algebra ----------------------------------------------------------------------------------

    /**
     * {@code C = alpha * op(A) * op(B) + beta * C}, all row-major and densely packed, where op(A) is
     * {@code m x k} (A stored {@code k x m} when {@code transA}), op(B) is {@code k x n} (B stored {@code n x k}
     * when {@code transB}), C is {@code m x n}. The offsets are element offsets into each buffer, so that one call
     * can work on a group or an image inside a larger tensor.
     */
    void gemm(boolean transA, boolean transB, int m, int n, int k,
              float alpha, Tensor a, int aOffset, Tensor b, int bOffset, float beta, Tensor c, int cOffset);

    /** {@code y = alpha * x + beta * y} elementwise over the whole tensors. */
    void axpby(float alpha, Tensor x, float beta, Tensor y);

    /** {@code out = a * b} elementwise. */
    void multiply(Tensor a, Tensor b, Tensor out);

    /** The sum of squares of all elements, accumulated in double. */
    double sumOfSquares(Tensor x);

    // ---- convolution and inner product ---------------------------------------------------------------------------

    /**
     * Convolution (cross-correlation, as Caffe) of {@code input (N, C, H, W)} with
     * {@code weight (K, C/group, kh, kw)} plus {@code bias (K)} (may be null) into {@code output (N, K, outH, outW)}.
     */
    void convolutionForward(ConvGeometry g, Tensor input, Tensor weight, Tensor bias, Tensor output);

    /**
     * {@link #convolutionForward} and then a ReLU of slope 0 on the output: {@code output = max(conv + bias, 0)}, to
     * the bit what the two calls give. A net fuses a convolution with the in-place ReLU that alone reads it (see
     * {@code Net#fuseReLUs}); backends override this to clamp where they write the output anyway, sparing the
     * ReLU's pass over memory. This default makes the two calls.
     */
    default void convolutionReluForward(ConvGeometry g, Tensor input, Tensor weight, Tensor bias, Tensor output) {
        convolutionForward(g, input, weight, bias, output);
        reluForward(output, output, 0f);
    }

    /**
     * {@link #convolutionForward} (with {@code relu}: {@link #convolutionReluForward}) into channels
     * {@code [channelOffset, channelOffset + K)} of {@code output (N, C', outH, outW)}, leaving its other channels as
     * they are: a net writes the convolutions that feed a Concat straight into their slices of its top (see
     * {@code Net#writeConcatsInPlace}), to the bit what the convolution and the concat's copy give. Backends override
     * this to write the slice directly; this default computes into a tensor of its own and copies.
     *
     * @throws IllegalArgumentException naming both shapes when the output does not hold that channel window
     */
    default void convolutionForwardInto(ConvGeometry g, Tensor input, Tensor weight, Tensor bias, boolean relu,
                                        Tensor output, int channelOffset) {
        g.requireOutputWindow(output.shape(), channelOffset);
        Tensor own = allocate(Shape.of(g.batch(), g.outChannels(), g.outH(), g.outW()));
        if (relu) {
            convolutionReluForward(g, input, weight, bias, own);
        } else {
            convolutionForward(g, input, weight, bias, own);
        }
        int plane = g.outH() * g.outW();
        int block = g.outChannels() * plane;
        copyBlocks(own, 0, block, output, channelOffset * plane, output.shape().dim(1) * plane, block, g.batch(),
                false);
    }

    /** Gradient of the convolution's input: {@code dinp (N, C, H, W)} from {@code dout (N, K, outH, outW)}. */
    void convolutionBackwardData(ConvGeometry g, Tensor weight, Tensor dout, Tensor dinp);

    /** Gradients of weight and bias (bias may be null), accumulated. */
    void convolutionBackwardFilter(ConvGeometry g, Tensor input, Tensor dout, Tensor dweight, Tensor dbias);

    /** {@code data[o, c, i] += bias[c]} for a tensor viewed as {@code (outer, channels, inner)}. */
    void addBias(Tensor data, Tensor bias, int outer, int channels, int inner);

    /** {@code dbias[c] += sum over o, i of dout[o, c, i]}. */
    void biasBackward(Tensor dout, Tensor dbias, int outer, int channels, int inner);

    // ---- activations ---------------------------------------------------------------------------------------------

    /** {@code out = x > 0 ? x : slope * x} (Caffe's ReLU with negative_slope). */
    void reluForward(Tensor in, Tensor out, float negativeSlope);

    /** {@code dinp = dout * (in > 0 ? 1 : slope)}; {@code dinp} may be {@code dout} itself (in place). */
    void reluBackward(Tensor in, Tensor dout, Tensor dinp, float negativeSlope);

    /** {@code out = 1 / (1 + exp(-x))}. */
    void sigmoidForward(Tensor in, Tensor out);

    /** {@code dinp = dout * out * (1 - out)}. */
    void sigmoidBackward(Tensor out, Tensor dout, Tensor dinp);

    /** {@code out = tanh(x)}. */
    void tanhForward(Tensor in, Tensor out);

    /** {@code dinp = dout * (1 - out^2)}. */
    void tanhBackward(Tensor out, Tensor dout, Tensor dinp);

    // ---- pooling and normalisation -------------------------------------------------------------------------------

    /**
     * MAX pooling; {@code mask} (same shape as {@code out}, may be null at inference) receives the index
     * {@code h * inW + w} of each window's maximum in its input plane (floats hold such indices exactly).
     */
    void maxPoolForward(PoolGeometry g, Tensor in, Tensor out, Tensor mask);

    void maxPoolBackward(PoolGeometry g, Tensor dout, Tensor mask, Tensor dinp);

    /** AVE pooling with Caffe's divisor: the window clipped to the padded input, before clipping to the input. */
    void avePoolForward(PoolGeometry g, Tensor in, Tensor out);

    void avePoolBackward(PoolGeometry g, Tensor dout, Tensor dinp);

    /** LRN of {@code in (N, C, H, W)}; {@code scale} (same shape) keeps the per-element scale for backward. */
    void lrnForward(LrnParams p, Tensor in, Tensor out, Tensor scale);

    void lrnBackward(LrnParams p, Tensor in, Tensor out, Tensor scale, Tensor dout, Tensor dinp);

    /** Softmax over the middle axis of {@code (outer, channels, inner)}, max-subtracted for stability. */
    void softmaxForward(Tensor in, Tensor out, int outer, int channels, int inner);

    /** {@code dinp = out * (dout - sum_c(dout * out))}. */
    void softmaxBackward(Tensor out, Tensor dout, Tensor dinp, int outer, int channels, int inner);

    /**
     * {@code out[o, c, i] = in[o, c, i] * scale[c] + (bias == null ? 0 : bias[c])} over {@code (outer, channels,
     * inner)}: the Scale layer, and BatchNorm with stored statistics folded into scale and bias.
     */
    void channelAffine(Tensor in, Tensor scale, Tensor bias, Tensor out, int outer, int channels, int inner);

    // ---- data movement -------------------------------------------------------------------------------------------

    /**
     * Copies {@code blocks} blocks of {@code blockLength} elements: block {@code b} goes from
     * {@code src[srcOffset + b*srcStride ...]} to {@code dst[dstOffset + b*dstStride ...]}, added when
     * {@code accumulate}. Concat, Slice and their backward passes are this.
     */
    void copyBlocks(Tensor src, int srcOffset, int srcStride, Tensor dst, int dstOffset, int dstStride,
                    int blockLength, int blocks, boolean accumulate);

    /**
     * Elementwise maximum of {@code inputs} into {@code out}; {@code mask} (may be null) receives the index of the
     * input that won, first one on ties, as Caffe's Eltwise MAX.
     */
    void eltwiseMaxForward(List<Tensor> inputs, Tensor out, Tensor mask);

    /** {@code dinp = mask == index ? dout : 0}. */
    void eltwiseMaxBackward(Tensor dout, Tensor mask, int index, Tensor dinp);

    // ---- training: dropout and solver updates ----------------------------------------------------------------------
    // The defaults run the reference loops of UpdateKernels on host copies, so that every backend is complete and
    // bit-identical to the CPU; the CPU backend runs the same loops in parallel, a GPU backend should run kernels.

    /**
     * Caffe's training-time dropout mask with the {@code 1/(1-ratio)} scaling folded in:
     * {@code mask[i] = CounterRng.uniform(seed, i) >= ratio ? 1 / (1 - ratio) : 0} for {@code i} in
     * {@code [0, mask.count())}. Forward is then {@code out = in * mask} and backward {@code dinp = dout * mask}.
     * Each element is kept with probability {@code 1 - ratio} (up to the 2^-24 grid of the uniforms).
     * Modified: mask.
     */
    default void dropoutMask(Tensor mask, float ratio, long seed) {
        float[] m = new float[mask.count()];
        UpdateKernels.dropoutMask(m, 0, m.length, ratio, seed);
        store(m, mask);
    }

    /**
     * One step of Caffe's SGD with momentum, elementwise, in float: {@code g} as {@code grad} says (gradient scaling
     * and L2 or L1 weight decay); {@code history = momentum * history + lr * g; data -= history}. {@code lr} and
     * {@code grad}'s decay already include the parameter's multipliers. Modified: data, history. Not modified: diff.
     */
    default void sgdUpdate(Tensor data, Tensor diff, Tensor history, SolverGradient grad, float lr, float momentum) {
        float[] x = hostCopy(data);
        float[] hist = hostCopy(history);
        UpdateKernels.sgd(x, hostCopy(diff), hist, 0, data.count(), grad, lr, momentum);
        store(x, data);
        store(hist, history);
    }

    /**
     * One step of Caffe's Nesterov solver, elementwise: {@code g} as in {@link #sgdUpdate};
     * {@code h' = momentum * h + lr * g}; {@code data -= (1 + momentum) * h' - momentum * h}; {@code history = h'}.
     * Modified: data, history. Not modified: diff.
     */
    default void nesterovUpdate(Tensor data, Tensor diff, Tensor history, SolverGradient grad, float lr,
                                float momentum) {
        float[] x = hostCopy(data);
        float[] hist = hostCopy(history);
        UpdateKernels.nesterov(x, hostCopy(diff), hist, 0, data.count(), grad, lr, momentum);
        store(x, data);
        store(hist, history);
    }

    /**
     * One step of Caffe's Adam solver, elementwise: {@code g} as in {@link #sgdUpdate};
     * {@code m = (1 - beta1) * g + beta1 * m; v = (1 - beta2) * (g * g) + beta2 * v;
     * data -= lrCorrected * (m / (sqrt(v) + eps))}, where the caller folds Adam's bias correction
     * {@code sqrt(1 - beta2^t) / (1 - beta1^t)} into {@code lrCorrected}. Modified: data, m, v. Not modified: diff.
     */
    default void adamUpdate(Tensor data, Tensor diff, Tensor m, Tensor v, SolverGradient grad, float lrCorrected,
                            float beta1, float beta2, float eps) {
        float[] x = hostCopy(data);
        float[] mh = hostCopy(m);
        float[] vh = hostCopy(v);
        UpdateKernels.adam(x, hostCopy(diff), mh, vh, 0, data.count(), grad, lrCorrected, beta1, beta2, eps);
        store(x, data);
        store(mh, m);
        store(vh, v);
    }

    /**
     * One step of Caffe's AdaGrad solver, elementwise: {@code g} as in {@link #sgdUpdate};
     * {@code history = g * g + history; data -= lr * (g / (sqrt(history) + delta))}. Modified: data, history. Not
     * modified: diff.
     */
    default void adaGradUpdate(Tensor data, Tensor diff, Tensor history, SolverGradient grad, float lr, float delta) {
        float[] x = hostCopy(data);
        float[] hist = hostCopy(history);
        UpdateKernels.adaGrad(x, hostCopy(diff), hist, 0, data.count(), grad, lr, delta);
        store(x, data);
        store(hist, history);
    }

    /**
     * One step of Caffe's RMSProp solver, elementwise: {@code g} as in {@link #sgdUpdate};
     * {@code history = (1 - rmsDecay) * (g * g) + rmsDecay * history; data -= lr * (g / (sqrt(history) + delta))}.
     * Modified: data, history. Not modified: diff.
     */
    default void rmsPropUpdate(Tensor data, Tensor diff, Tensor history, SolverGradient grad, float lr,
                               float rmsDecay, float delta) {
        float[] x = hostCopy(data);
        float[] hist = hostCopy(history);
        UpdateKernels.rmsProp(x, hostCopy(diff), hist, 0, data.count(), grad, lr, rmsDecay, delta);
        store(x, data);
        store(hist, history);
    }

    /**
     * One step of Caffe's AdaDelta solver, elementwise: {@code g} as in {@link #sgdUpdate};
     * {@code history = (1 - momentum) * (g * g) + momentum * history;
     * u = g * sqrt((delta + updates) / (delta + history));
     * updates = (1 - momentum) * (u * u) + momentum * updates; data -= lr * u}. Modified: data, history, updates.
     * Not modified: diff.
     */
    default void adaDeltaUpdate(Tensor data, Tensor diff, Tensor history, Tensor updates, SolverGradient grad,
                                float lr, float momentum, float delta) {
        float[] x = hostCopy(data);
        float[] hist = hostCopy(history);
        float[] upd = hostCopy(updates);
        UpdateKernels.adaDelta(x, hostCopy(diff), hist, upd, 0, data.count(), grad, lr, momentum, delta);
        store(x, data);
        store(hist, history);
        store(upd, updates);
    }

    // ---- losses and accuracy ----------------------------------------------------------------------------------------
    // Scores (or probabilities) are viewed as (outer, channels, inner) with the classes along the middle axis and one
    // label per (outer, inner) position at labels[o * inner + i]; a label must be ignoreLabel (null: none) or an integer
    // class index. The defaults run LossKernels on host copies; a GPU backend reduces on the device and returns only
    // the sums, so that a loss costs a few scalars across the bus, not the scores.

    /**
     * Softmax loss of probabilities already computed: {@code sum} = the sum over labelled positions of
     * {@code -log(max(prob[o, label, i], FLT_MIN))} (in double), {@code labelled} = their number. Not modified: all.
     *
     * @throws InvalidLabelException for the first label (lowest position) that is not a class index
     */
    default LabelledSum softmaxLossForward(Tensor prob, Tensor labels, int outer, int channels, int inner,
                                           Integer ignoreLabel) {
        return LossKernels.softmaxLoss(hostCopy(prob), hostCopy(labels), outer, channels, inner, ignoreLabel);
    }

    /**
     * Gradient of the softmax loss with respect to the scores: {@code dinp[o, c, i] = (prob[o, c, i] - (c == label ?
     * 1 : 0)) * scale} at labelled positions, 0 at ignored ones; {@code scale} carries the loss weight over the
     * normaliser. Labels were checked by {@link #softmaxLossForward}. Modified: dinp.
     */
    default void softmaxLossBackward(Tensor prob, Tensor labels, Tensor dinp, int outer, int channels, int inner,
                                     Integer ignoreLabel, float scale) {
        float[] d = new float[dinp.count()];
        LossKernels.softmaxLossGradient(hostCopy(prob), hostCopy(labels), d, outer, channels, inner, ignoreLabel, scale);
        store(d, dinp);
    }

    /**
     * Caffe's one-vs-all hinge loss of {@code scores (num, dim)} and {@code labels (num)}: the sum over all elements
     * of the margin {@code m = max(0, 1 - t * score)} ({@code t = +1} at the label's class, -1 elsewhere), or of
     * {@code m^2} when {@code squared} (L2), in double. Not modified: all.
     *
     * @throws InvalidLabelException for the first label that is not a class index in {@code [0, dim)}
     */
    default double hingeLossForward(Tensor scores, Tensor labels, int num, int dim, boolean squared) {
        return LossKernels.hingeLoss(hostCopy(scores), hostCopy(labels), num, dim, squared);
    }

    /**
     * Gradient of the hinge loss: {@code dinp = -t * (squared ? 2m : (m > 0 ? 1 : 0)) * scale}. Labels were checked
     * by {@link #hingeLossForward}. Modified: dinp.
     */
    default void hingeLossBackward(Tensor scores, Tensor labels, Tensor dinp, int num, int dim, boolean squared,
                                   float scale) {
        float[] d = new float[dinp.count()];
        LossKernels.hingeLossGradient(hostCopy(scores), hostCopy(labels), d, num, dim, squared, scale);
        store(d, dinp);
    }

    /**
     * Caffe's top-k accuracy: {@code sum} = the number of labelled positions where fewer than {@code topK} classes
     * score at least the label's score (the label's own score not counted, so ties go against the label),
     * {@code labelled} = their number. Not modified: all.
     *
     * @throws InvalidLabelException for the first label (lowest position) that is not a class index
     */
    default LabelledSum accuracy(Tensor scores, Tensor labels, int outer, int channels, int inner, int topK,
                                 Integer ignoreLabel) {
        return LossKernels.accuracy(hostCopy(scores), hostCopy(labels), outer, channels, inner, topK, ignoreLabel);
    }

    private float[] hostCopy(Tensor t) {
        return java.util.Arrays.copyOf(download(t).hostData(), t.count());
    }

    private void store(float[] values, Tensor dst) {
        copy(upload(Tensor.wrap(dst.shape(), values)), dst);
    }
}

package org.cortado.layers;

import java.util.List;
import org.cortado.backend.Backend;
import org.cortado.backend.CounterRng;
import org.cortado.backend.PoolGeometry;
import org.cortado.caffe.proto.Caffe.LayerParameter;
import org.cortado.caffe.proto.Caffe.PoolingParameter;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * Pooling (MAX, AVE or STOCHASTIC): bottom {@code (N, C, H, W)}, top {@code (N, C, H', W')} with Caffe's size rule
 * {@code H' = ceil((H + 2 pad - kernel) / stride) + 1}, minus one when padding is set and the last window would
 * start at or past {@code H + pad} (floor instead of ceil with {@code round_mode: FLOOR}). With
 * {@code global_pooling} the kernel is the whole plane. STOCHASTIC (no padding, as in Caffe) gives
 * {@code sum(x^2) / sum(x)} per window at test time and, in training, one input drawn per window with probability
 * proportional to its value ({@link org.cortado.backend.LayerOps#stochasticPoolSample}; the draws follow
 * {@link #setRandomState} as Dropout's masks do), whose gradient is MAX pooling's to the drawn input.
 */
public final class PoolingLayer extends Layer {
    public enum Method { MAX, AVE, STOCHASTIC }

    public record Params(Method method, int kernelH, int kernelW, int strideH, int strideW, int padH, int padW,
                         boolean global, boolean floorRounding) {
        public static Params from(LayerParameter layer) {
            PoolingParameter p = layer.getPoolingParam();
            String who = "layer '" + layer.getName() + "' (Pooling): ";
            Method method = switch (p.getPool()) {
                case MAX -> Method.MAX;
                case AVE -> Method.AVE;
                case STOCHASTIC -> Method.STOCHASTIC;
            };
            boolean global = p.getGlobalPooling();
            int kh;
            int kw;
            if (global) {
                if (p.hasKernelSize() || p.hasKernelH() || p.hasKernelW()) {
                    throw new NetDefinitionException(who + "global_pooling takes no kernel size");
                }
                kh = 0;
                kw = 0;
            } else if (p.hasKernelH() || p.hasKernelW()) {
                if (p.hasKernelSize() || !p.hasKernelH() || !p.hasKernelW()) {
                    throw new NetDefinitionException(who + "give kernel_size, or both kernel_h and kernel_w");
                }
                kh = p.getKernelH();
                kw = p.getKernelW();
            } else if (p.hasKernelSize()) {
                kh = p.getKernelSize();
                kw = p.getKernelSize();
            } else {
                throw new NetDefinitionException(who + "kernel_size (or kernel_h and kernel_w) is required");
            }
            int ph = p.hasPadH() || p.hasPadW() ? p.getPadH() : p.getPad();
            int pw = p.hasPadH() || p.hasPadW() ? p.getPadW() : p.getPad();
            int sh = p.hasStrideH() || p.hasStrideW() ? p.getStrideH() : p.getStride();
            int sw = p.hasStrideH() || p.hasStrideW() ? p.getStrideW() : p.getStride();
            if (sh < 1 || sw < 1 || (!global && (kh < 1 || kw < 1))) {
                throw new NetDefinitionException(who + "kernel and stride must be positive");
            }
            if (ph < 0 || pw < 0) {
                // uint32 in Caffe's proto: past 2^31-1 it reads negative here.
                throw new NetDefinitionException(who + "pad (" + Integer.toUnsignedString(ph) + ", "
                        + Integer.toUnsignedString(pw) + ") is past 2^31-1");
            }
            if (!global && (ph >= kh || pw >= kw)) {
                throw new NetDefinitionException(who + "pad (" + ph + ", " + pw + ") must be smaller than the kernel ("
                        + kh + ", " + kw + ")");
            }
            if (method == Method.STOCHASTIC && (ph != 0 || pw != 0)) {
                throw new NetDefinitionException(who + "STOCHASTIC pooling takes no padding (Caffe pads only MAX and "
                        + "AVE)");
            }
            if (global && (ph != 0 || pw != 0 || sh != 1 || sw != 1)) {
                throw new NetDefinitionException(who + "global_pooling takes pad 0 and stride 1");
            }
            return new Params(method, kh, kw, sh, sw, ph, pw, global,
                    p.getRoundMode() == PoolingParameter.RoundMode.FLOOR);
        }
    }

    private final Params p;
    private PoolGeometry geometry;
    private long seed;
    private long step;

    public PoolingLayer(LayerConfig config, Params params) {
        super(config, 1, 1, 1, 1);
        this.p = params;
    }

    public Params settings() {
        return p;
    }

    @Override
    public List<Shape> reshape(List<Shape> bottomShapes) {
        Shape in = bottomShapes.get(0);
        requireRank(in, 4, "bottom");
        int h = in.dim(2);
        int w = in.dim(3);
        int kh = p.global() ? h : p.kernelH();
        int kw = p.global() ? w : p.kernelW();
        int outH = outputSize(h, kh, p.strideH(), p.padH());
        int outW = outputSize(w, kw, p.strideW(), p.padW());
        if (outH < 1 || outW < 1) {
            throw error("input " + in + " is smaller than the kernel " + kh + "x" + kw);
        }
        geometry = new PoolGeometry(in.dim(0), in.dim(1), h, w, kh, kw, p.strideH(), p.strideW(), p.padH(), p.padW(),
                outH, outW);
        return List.of(Shape.of(in.dim(0), in.dim(1), outH, outW));
    }

    /** Caffe's output size, in long arithmetic (pad and kernel come from the prototxt); at most 2^31-1. */
    private int outputSize(int in, int kernel, int stride, int pad) {
        double steps = (double) (in + 2L * pad - kernel) / stride;
        long out = (long) (p.floorRounding() ? Math.floor(steps) : Math.ceil(steps)) + 1;
        // Caffe: the last window must start inside the image or its left padding, never in the right padding.
        if (pad > 0 && (out - 1) * stride >= (long) in + pad) {
            out--;
        }
        if (out > Integer.MAX_VALUE) {
            throw error("output of " + out + " positions along an axis of " + in + " (pad " + pad
                    + ") is out of range");
        }
        return (int) out;
    }

    /**
     * The largest input plane a training forward takes: the mask is a float tensor (one type for every backend's
     * buffers), and the integers a float holds exactly end at 2^24; past that the gradient would go to a neighbour.
     */
    static final long MAX_MASKED_PLANE = 1L << 24;

    /**
     * MAX pooling's training forward adds the argmax mask, which only its backward reads; AVE's is the same.
     * STOCHASTIC's draws instead of averaging, another value.
     */
    @Override
    public boolean trainsOnlyForBackward() {
        return p.method() != Method.STOCHASTIC;
    }

    @Override
    public void setRandomState(long seed, long step) {
        this.seed = seed;
        this.step = step;
    }

    public PoolGeometry geometry() {
        return geometry;
    }

    @Override
    public void forward(Backend backend, Phase phase, List<Tensor> bottoms, List<Tensor> tops) {
        if (p.method() == Method.AVE) {
            backend.avePoolForward(geometry, bottoms.get(0), tops.get(0));
            return;
        }
        // The mask is only needed to train; inference skips writing it.
        if (phase == Phase.TRAIN && (long) geometry.inH() * geometry.inW() > MAX_MASKED_PLANE) {
            throw error("training " + p.method() + " pooling over " + geometry.inH() + "x" + geometry.inW()
                    + " planes: the mask holds positions as float32, exact up to " + MAX_MASKED_PLANE + " per plane");
        }
        Tensor mask = phase == Phase.TRAIN ? scratch(backend, "mask", tops.get(0).shape()) : null;
        if (p.method() == Method.MAX) {
            backend.maxPoolForward(geometry, bottoms.get(0), tops.get(0), mask);
        } else if (mask == null) {
            backend.layerOps().stochasticPoolForward(geometry, bottoms.get(0), tops.get(0));
        } else {
            backend.layerOps().stochasticPoolSample(geometry, bottoms.get(0), tops.get(0), mask,
                    CounterRng.derive(seed, step++));
        }
    }

    /**
     * MAX: each output's gradient goes to the input that won its window (the mask of the last training forward);
     * STOCHASTIC likewise to the input drawn; AVE: spread evenly over the window with the forward's divisor.
     */
    @Override
    public void backward(Backend backend, List<Tensor> bottoms, List<Tensor> tops, List<Tensor> topDiffs,
                         List<Tensor> bottomDiffs) {
        if (!wants(bottomDiffs, 0)) {
            return;
        }
        if (p.method() != Method.AVE) {
            Tensor mask = existingScratch("mask");
            if (mask == null || !mask.shape().equals(tops.get(0).shape())) {
                throw error("backward needs the mask of a TRAIN-phase forward of this shape");
            }
            backend.maxPoolBackward(geometry, topDiffs.get(0), mask, bottomDiffs.get(0));
        } else {
            backend.avePoolBackward(geometry, topDiffs.get(0), bottomDiffs.get(0));
        }
    }
}

package org.cortado.backend.cpu;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.cortado.backend.Backend;
import org.cortado.backend.ConvGeometry;
import org.cortado.backend.LrnParams;
import org.cortado.backend.LayerOps;
import org.cortado.backend.PoolGeometry;
import org.cortado.backend.SolverGradient;
import org.cortado.backend.UpdateKernels;
import org.cortado.image.PixelBatch;
import org.cortado.tensor.Device;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * The pure-Java backend: every operation on host arrays, split over all cores. It is the reference every other
 * backend is tested against, so each method favours clarity where speed does not need otherwise.
 */
public final class CpuBackend implements Backend {
    private final Parallel parallel;
    private final Gemm gemm;
    private final CpuConvolution convolution;
    private final CpuPooling pooling;
    /** ReLU's loop, vectorised where the Vector API runs (HotSpot leaves Math.max loops scalar). */
    private final MaxRuns maxRuns = MaxRuns.best();
    private final CpuLrn lrn;
    private final CpuLayerOps layerOps;

    /** System property that sets the compute threads of {@link #CpuBackend()} ({@code -Dcortado.threads=N}). */
    public static final String THREADS_PROPERTY = "cortado.threads";

    /** A backend using {@value #THREADS_PROPERTY} threads, or every available processor when it is not set. */
    public CpuBackend() {
        this(defaultThreads());
    }

    public CpuBackend(int threads) {
        this(threads, GemmKernel.best());
    }

    /** With the given matrix kernel (tests watch the tiles a workload asks for through it). */
    CpuBackend(int threads, GemmKernel kernel) {
        this.parallel = new Parallel(threads);
        this.gemm = new Gemm(parallel, kernel);
        this.convolution = new CpuConvolution(parallel, gemm);
        this.pooling = new CpuPooling(parallel);
        this.lrn = new CpuLrn(parallel);
        this.layerOps = new CpuLayerOps(this, parallel);
        CpuWarmUp.startOnce();
    }

    /**
     * Starts the kernels' warm-up now (once per JVM, unless {@code -Dcortado.warmup=false}), ahead of the first
     * backend, which otherwise starts it: for a command that will run a net here, as it starts.
     */
    public static void startWarmUp() {
        CpuWarmUp.startOnce();
    }

    public int threads() {
        return parallel.threads();
    }

    /** Weight arrays whose packed or transformed form the convolutions keep between passes (for tests). */
    int keptWeightForms() {
        return convolution.keptWeightForms();
    }

    /** {@value #THREADS_PROPERTY} when set, else the available processors. */
    static int defaultThreads() {
        String set = System.getProperty(THREADS_PROPERTY);
        if (set == null) {
            return Runtime.getRuntime().availableProcessors();
        }
        try {
            int n = Integer.parseInt(set.strip());
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException e) {
            // Reported below with the accepted values.
        }
        throw new IllegalArgumentException("-D" + THREADS_PROPERTY + "=" + set + ": the compute thread count must be a"
                + " positive whole number");
    }

    /**
     * The thread count (filter gradients are summed over each thread's share of the batch, so it changes the
     * bits), the matrix kernel ({@value Simd#PROPERTY}, vector width), whether Winograd convolutions run and whether
     * their forward passes take F(4x4) where it pays.
     */
    @Override
    public Map<String, String> numerics() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("device", "cpu");
        m.put("compute_threads", String.valueOf(threads()));
        m.put("gemm_kernel", gemm.kernelName());
        m.put("winograd", convolution.usesWinograd() ? "on" : "off");
        m.put("winograd_f4", convolution.usesWinogradF4() ? "on" : "off");
        return m;
    }

    /** The worker threads, for host-side work (image decoding, heads) that should share them. */
    public Parallel parallel() {
        return parallel;
    }

    @Override
    public String name() {
        return "cpu (" + parallel.threads() + " threads)";
    }

    @Override
    public Device device() {
        return Device.CPU;
    }

    @Override
    public LayerOps layerOps() {
        return layerOps;
    }

    // ---- memory -------------------------------------------------------------------------------------------------

    @Override
    public Tensor allocate(Shape shape) {
        return Tensor.zeros(shape);
    }

    @Override
    public Tensor upload(Tensor host) {
        return Tensor.wrap(host.shape(), Arrays.copyOf(host.hostData(), host.count()));
    }

    @Override
    public Tensor download(Tensor t) {
        return upload(t);
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        requireSameCount(src, dst);
        System.arraycopy(src.hostData(), 0, dst.hostData(), 0, src.count());
    }

    @Override
    public void transformPixels(PixelBatch batch, Tensor output) {
        batch.transformInto(output.hostData(), 0);
    }

    @Override
    public void fill(Tensor t, float value) {
        // Over the threads in parts of a megabyte or more: one core alone does not fill memory as fast as two.
        float[] data = t.hostData();
        parallel.forRange(t.count(), 1 << 18, (s, e) -> Arrays.fill(data, s, e, value));
    }

    // ---- dense linear algebra ----------------------------------------------------------------------------------

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, Tensor a, int aOffset,
                     Tensor b, int bOffset, float beta, Tensor c, int cOffset) {
        gemm.gemm(transA, transB, m, n, k, alpha, a.hostData(), aOffset, b.hostData(), bOffset, beta,
                c.hostData(), cOffset);
    }

    @Override
    public void axpby(float alpha, Tensor x, float beta, Tensor y) {
        requireSameCount(x, y);
        float[] xs = x.hostData();
        float[] ys = y.hostData();
        parallel.forRange(x.count(), 1 << 15, (s, e) -> {
            for (int i = s; i < e; i++) {
                ys[i] = alpha * xs[i] + beta * ys[i];
            }
        });
    }

    @Override
    public void multiply(Tensor a, Tensor b, Tensor out) {
        requireSameCount(a, b);
        requireSameCount(a, out);
        float[] as = a.hostData();
        float[] bs = b.hostData();
        float[] os = out.hostData();
        parallel.forRange(a.count(), 1 << 15, (s, e) -> {
            for (int i = s; i < e; i++) {
                os[i] = as[i] * bs[i];
            }
        });
    }

    @Override
    public double sumOfSquares(Tensor x) {
        return DoubleSums.sumOfSquares(x.hostData(), 0, x.count());
    }

    // ---- convolution -------------------------------------------------------------------------------------------

    @Override
    public void convolutionForward(ConvGeometry g, Tensor input, Tensor weight, Tensor bias, Tensor output) {
        convolve(g, input, weight, bias, false, output, g.outChannels(), 0);
    }

    @Override
    public void convolutionReluForward(ConvGeometry g, Tensor input, Tensor weight, Tensor bias, Tensor output) {
        convolve(g, input, weight, bias, true, output, g.outChannels(), 0);
    }

    @Override
    public void convolutionForwardInto(ConvGeometry g, Tensor input, Tensor weight, Tensor bias, boolean relu,
                                       Tensor output, int channelOffset) {
        g.requireOutputWindow(output.shape(), channelOffset);
        convolve(g, input, weight, bias, relu, output, output.shape().dim(1), channelOffset);
    }

    private void convolve(ConvGeometry g, Tensor input, Tensor weight, Tensor bias, boolean relu, Tensor output,
                          int outputChannels, int channelOffset) {
        // The weights are read without counting a write: their derived forms stay valid while nobody writes them.
        convolution.forward(g, input.hostDataToRead(), weight.hostDataToRead(), weight.hostWriteStamp(),
                bias == null ? null : bias.hostDataToRead(), output.hostData(), relu, outputChannels, channelOffset);
    }

    @Override
    public void convolutionBackwardData(ConvGeometry g, Tensor weight, Tensor dout, Tensor dinp) {
        convolution.backwardData(g, weight.hostDataToRead(), dout.hostDataToRead(), dinp.hostData());
    }

    @Override
    public void convolutionBackwardFilter(ConvGeometry g, Tensor input, Tensor dout, Tensor dweight, Tensor dbias) {
        convolution.backwardFilter(g, input.hostData(), dout.hostData(), dweight.hostData());
        if (dbias != null) {
            biasBackward(dout, dbias, g.batch(), g.outChannels(), g.outH() * g.outW());
        }
    }

    @Override
    public void addBias(Tensor data, Tensor bias, int outer, int channels, int inner) {
        float[] d = data.hostData();
        float[] b = bias.hostData();
        parallel.forRange(outer * channels, Math.max(1, 8192 / Math.max(1, inner)), (s, e) -> {
            for (int oc = s; oc < e; oc++) {
                float v = b[oc % channels];
                int base = oc * inner;
                for (int i = 0; i < inner; i++) {
                    d[base + i] += v;
                }
            }
        });
    }

    @Override
    public void biasBackward(Tensor dout, Tensor dbias, int outer, int channels, int inner) {
        float[] d = dout.hostData();
        float[] db = dbias.hostData();
        parallel.forRange(channels, 1, (s, e) -> {
            for (int c = s; c < e; c++) {
                double sum = 0;
                for (int o = 0; o < outer; o++) {
                    int base = (o * channels + c) * inner;
                    sum += DoubleSums.sum(d, base, base + inner);
                }
                db[c] += (float) sum;
            }
        });
    }

    // ---- activations ---------------------------------------------------------------------------------------------

    @Override
    public void reluForward(Tensor in, Tensor out, float negativeSlope) {
        float[] x = in.hostData();
        float[] y = out.hostData();
        // Caffe's own formula, max(x, 0) + slope * min(x, 0): branch-free (the Vector API for slope 0); the
        // conditional form costs a mispredicted branch on every other element of a convolution's output.
        if (negativeSlope == 0f) {
            // Parts of 2^18: a fork and join costs tens of microseconds, as much as this pass over a few hundred
            // thousand floats, so a SqueezeNet ReLU at batch 1 runs on the calling thread (faster than parts of
            // 2^15; bench/RESULTS.md, "What helped").
            parallel.forRange(in.count(), 1 << 18, (s, e) -> maxRuns.relu(x, y, s, e));
            return;
        }
        parallel.forRange(in.count(), 1 << 15, (s, e) -> {
            for (int i = s; i < e; i++) {
                float v = x[i];
                // Caffe's max(x, 0) + slope * min(x, 0), which gives +0 (not -0) for negative inputs.
                y[i] = Math.max(v, 0f) + negativeSlope * Math.min(v, 0f);
            }
        });
    }

    @Override
    public void reluBackward(Tensor in, Tensor dout, Tensor dinp, float negativeSlope) {
        float[] x = in.hostData();
        float[] dy = dout.hostData();
        float[] dx = dinp.hostData();
        // Caffe's dy * ((x > 0) + slope * (x <= 0)) with the step x > 0 computed branch-free by Math.max/min (which
        // HotSpot vectorises): max(x, 0) scaled by 2^200 is at least 1 for every positive float (the least is
        // 2^-149), and 0 for x <= 0, so min(that, 1) is the step. The conditional form mispredicts on every other
        // element. Same bits as Caffe's except for a NaN input, whose gradient is NaN here and 0 in Caffe.
        float slope = negativeSlope;
        parallel.forRange(in.count(), 1 << 15, (s, e) -> {
            for (int i = s; i < e; i++) {
                float step = Math.min(Math.max(x[i], 0f) * 0x1p100f * 0x1p100f, 1f);
                dx[i] = dy[i] * (step + slope * (1f - step));
            }
        });
    }

    @Override
    public void sigmoidForward(Tensor in, Tensor out) {
        float[] x = in.hostData();
        float[] y = out.hostData();
        parallel.forRange(in.count(), 1 << 13, (s, e) -> {
            for (int i = s; i < e; i++) {
                y[i] = (float) (1.0 / (1.0 + Math.exp(-x[i])));
            }
        });
    }

    @Override
    public void sigmoidBackward(Tensor out, Tensor dout, Tensor dinp) {
        float[] y = out.hostData();
        float[] dy = dout.hostData();
        float[] dx = dinp.hostData();
        parallel.forRange(out.count(), 1 << 15, (s, e) -> {
            for (int i = s; i < e; i++) {
                dx[i] = dy[i] * y[i] * (1f - y[i]);
            }
        });
    }

    @Override
    public void tanhForward(Tensor in, Tensor out) {
        float[] x = in.hostData();
        float[] y = out.hostData();
        parallel.forRange(in.count(), 1 << 13, (s, e) -> {
            for (int i = s; i < e; i++) {
                y[i] = (float) Math.tanh(x[i]);
            }
        });
    }

    @Override
    public void tanhBackward(Tensor out, Tensor dout, Tensor dinp) {
        float[] y = out.hostData();
        float[] dy = dout.hostData();
        float[] dx = dinp.hostData();
        parallel.forRange(out.count(), 1 << 15, (s, e) -> {
            for (int i = s; i < e; i++) {
                dx[i] = dy[i] * (1f - y[i] * y[i]);
            }
        });
    }

    // ---- pooling and normalisation -------------------------------------------------------------------------------

    @Override
    public void maxPoolForward(PoolGeometry g, Tensor in, Tensor out, Tensor mask) {
        pooling.maxForward(g, in.hostData(), out.hostData(), mask == null ? null : mask.hostData());
    }

    @Override
    public void maxPoolBackward(PoolGeometry g, Tensor dout, Tensor mask, Tensor dinp) {
        pooling.maxBackward(g, dout.hostData(), mask.hostData(), dinp.hostData());
    }

    @Override
    public void avePoolForward(PoolGeometry g, Tensor in, Tensor out) {
        pooling.aveForward(g, in.hostData(), out.hostData());
    }

    @Override
    public void avePoolBackward(PoolGeometry g, Tensor dout, Tensor dinp) {
        pooling.aveBackward(g, dout.hostData(), dinp.hostData());
    }

    @Override
    public void lrnForward(LrnParams p, Tensor in, Tensor out, Tensor scale) {
        lrn.forward(p, in.shape(), in.hostData(), out.hostData(), scale.hostData());
    }

    @Override
    public void lrnBackward(LrnParams p, Tensor in, Tensor out, Tensor scale, Tensor dout, Tensor dinp) {
        lrn.backward(p, in.shape(), in.hostData(), out.hostData(), scale.hostData(), dout.hostData(),
                dinp.hostData());
    }

    @Override
    public void softmaxForward(Tensor in, Tensor out, int outer, int channels, int inner) {
        float[] x = in.hostData();
        float[] y = out.hostData();
        parallel.forRange(outer * inner, Math.max(1, 4096 / Math.max(1, channels)), (s, e) -> {
            for (int t = s; t < e; t++) {
                int base = (t / inner) * channels * inner + t % inner;
                float max = Float.NEGATIVE_INFINITY;
                for (int c = 0; c < channels; c++) {
                    max = Math.max(max, x[base + c * inner]);
                }
                double sum = 0;
                for (int c = 0; c < channels; c++) {
                    float v = (float) Math.exp(x[base + c * inner] - max);
                    y[base + c * inner] = v;
                    sum += v;
                }
                float inv = (float) (1.0 / sum);
                for (int c = 0; c < channels; c++) {
                    y[base + c * inner] *= inv;
                }
            }
        });
    }

    @Override
    public void softmaxBackward(Tensor out, Tensor dout, Tensor dinp, int outer, int channels, int inner) {
        float[] y = out.hostData();
        float[] dy = dout.hostData();
        float[] dx = dinp.hostData();
        parallel.forRange(outer * inner, Math.max(1, 4096 / Math.max(1, channels)), (s, e) -> {
            for (int t = s; t < e; t++) {
                int base = (t / inner) * channels * inner + t % inner;
                double dot = 0;
                for (int c = 0; c < channels; c++) {
                    dot += (double) dy[base + c * inner] * y[base + c * inner];
                }
                for (int c = 0; c < channels; c++) {
                    int i = base + c * inner;
                    dx[i] = (float) (y[i] * (dy[i] - dot));
                }
            }
        });
    }

    @Override
    public void channelAffine(Tensor in, Tensor scale, Tensor bias, Tensor out, int outer, int channels, int inner) {
        float[] x = in.hostData();
        float[] sc = scale.hostData();
        float[] b = bias == null ? null : bias.hostData();
        float[] y = out.hostData();
        parallel.forRange(outer * channels, Math.max(1, 8192 / Math.max(1, inner)), (s, e) -> {
            for (int oc = s; oc < e; oc++) {
                int c = oc % channels;
                float m = sc[c];
                float add = b == null ? 0f : b[c];
                int base = oc * inner;
                for (int i = 0; i < inner; i++) {
                    y[base + i] = x[base + i] * m + add;
                }
            }
        });
    }

    // ---- data movement -------------------------------------------------------------------------------------------

    @Override
    public void copyBlocks(Tensor src, int srcOffset, int srcStride, Tensor dst, int dstOffset, int dstStride,
                           int blockLength, int blocks, boolean accumulate) {
        float[] s = src.hostData();
        float[] d = dst.hostData();
        parallel.forRange(blocks, Math.max(1, 16384 / Math.max(1, blockLength)), (start, end) -> {
            for (int b = start; b < end; b++) {
                int so = srcOffset + b * srcStride;
                int dOff = dstOffset + b * dstStride;
                if (accumulate) {
                    for (int i = 0; i < blockLength; i++) {
                        d[dOff + i] += s[so + i];
                    }
                } else {
                    System.arraycopy(s, so, d, dOff, blockLength);
                }
            }
        });
    }

    @Override
    public void eltwiseMaxForward(List<Tensor> inputs, Tensor out, Tensor mask) {
        float[] y = out.hostData();
        float[] m = mask == null ? null : mask.hostData();
        float[][] xs = inputs.stream().map(Tensor::hostData).toArray(float[][]::new);
        parallel.forRange(out.count(), 1 << 14, (s, e) -> {
            for (int i = s; i < e; i++) {
                float best = xs[0][i];
                int arg = 0;
                for (int k = 1; k < xs.length; k++) {
                    if (xs[k][i] > best) {
                        best = xs[k][i];
                        arg = k;
                    }
                }
                y[i] = best;
                if (m != null) {
                    m[i] = arg;
                }
            }
        });
    }

    @Override
    public void eltwiseMaxBackward(Tensor dout, Tensor mask, int index, Tensor dinp) {
        float[] dy = dout.hostData();
        float[] m = mask.hostData();
        float[] dx = dinp.hostData();
        parallel.forRange(dout.count(), 1 << 15, (s, e) -> {
            for (int i = s; i < e; i++) {
                dx[i] = m[i] == index ? dy[i] : 0f;
            }
        });
    }

    // ---- training: dropout and solver updates ----------------------------------------------------------------------

    @Override
    public void dropoutMask(Tensor mask, float ratio, long seed) {
        float[] m = mask.hostData();
        parallel.forRange(mask.count(), 1 << 14, (s, e) -> UpdateKernels.dropoutMask(m, s, e, ratio, seed));
    }

    @Override
    public void sgdUpdate(Tensor data, Tensor diff, Tensor history, SolverGradient grad, float lr, float momentum) {
        float[] x = data.hostData();
        float[] g = diff.hostData();
        float[] h = history.hostData();
        parallel.forRange(data.count(), 1 << 15, (s, e) -> UpdateKernels.sgd(x, g, h, s, e, grad, lr, momentum));
    }

    @Override
    public void nesterovUpdate(Tensor data, Tensor diff, Tensor history, SolverGradient grad, float lr,
                               float momentum) {
        float[] x = data.hostData();
        float[] g = diff.hostData();
        float[] h = history.hostData();
        parallel.forRange(data.count(), 1 << 15,
                (s, e) -> UpdateKernels.nesterov(x, g, h, s, e, grad, lr, momentum));
    }

    @Override
    public void adamUpdate(Tensor data, Tensor diff, Tensor m, Tensor v, SolverGradient grad, float lrCorrected,
                           float beta1, float beta2, float eps) {
        float[] x = data.hostData();
        float[] g = diff.hostData();
        float[] mh = m.hostData();
        float[] vh = v.hostData();
        parallel.forRange(data.count(), 1 << 15, (s, e) -> UpdateKernels.adam(x, g, mh, vh, s, e, grad, lrCorrected,
                beta1, beta2, eps));
    }

    @Override
    public void adaGradUpdate(Tensor data, Tensor diff, Tensor history, SolverGradient grad, float lr, float delta) {
        float[] x = data.hostData();
        float[] g = diff.hostData();
        float[] h = history.hostData();
        parallel.forRange(data.count(), 1 << 15, (s, e) -> UpdateKernels.adaGrad(x, g, h, s, e, grad, lr, delta));
    }

    @Override
    public void rmsPropUpdate(Tensor data, Tensor diff, Tensor history, SolverGradient grad, float lr,
                              float rmsDecay, float delta) {
        float[] x = data.hostData();
        float[] g = diff.hostData();
        float[] h = history.hostData();
        parallel.forRange(data.count(), 1 << 15,
                (s, e) -> UpdateKernels.rmsProp(x, g, h, s, e, grad, lr, rmsDecay, delta));
    }

    @Override
    public void adaDeltaUpdate(Tensor data, Tensor diff, Tensor history, Tensor updates, SolverGradient grad,
                               float lr, float momentum, float delta) {
        float[] x = data.hostData();
        float[] g = diff.hostData();
        float[] h = history.hostData();
        float[] u = updates.hostData();
        parallel.forRange(data.count(), 1 << 15,
                (s, e) -> UpdateKernels.adaDelta(x, g, h, u, s, e, grad, lr, momentum, delta));
    }

    private static void requireSameCount(Tensor a, Tensor b) {
        if (a.count() != b.count()) {
            throw new IllegalArgumentException("element counts differ: " + a.shape() + " vs " + b.shape());
        }
    }
}

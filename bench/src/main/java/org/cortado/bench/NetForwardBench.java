package org.cortado.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.cortado.backend.Backend;
import org.cortado.backend.cpu.CpuBackend;
import org.cortado.caffe.Prototxt;
import org.cortado.gpu.ConvImpl;
import org.cortado.gpu.GpuBackend;
import org.cortado.gpu.GpuGraph;
import org.cortado.gpu.MathMode;
import org.cortado.gpu.Precision;
import org.cortado.layers.Phase;
import org.cortado.net.Net;
import org.cortado.net.proto.NetProtos;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The feature-extraction timings: a whole net, truncated at the code layer, on a batch already on the device,
 * with the device synchronised inside the measured method so that the time is the GPU's. Weights are random (timing
 * does not depend on their values); the definitions are the shared Model Zoo prototxts. The time per batch is
 * reported by JMH; img/s = batch / time, computed by the device script's table (kernels/device/table.py).
 *
 * <p>{@code -p device=cpu} runs the same on the CPU backend, so that the harness is exercised without a GPU.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class NetForwardBench {
    /** Where each model's prototxt lives under the shared folder, and its code layer. */
    static final Map<String, String[]> MODELS = Map.of(
            "alexnet", new String[] {"models/caffe/bvlc_alexnet/deploy.prototxt", "relu7"},
            "squeezenet", new String[] {"models/squeezenet_v1.0/deploy.prototxt", "fire9/concat"});

    @Param({"alexnet", "squeezenet"})
    public String model;
    @Param({"256"})
    public int batch;
    @Param({"gpu"})
    public String device;
    /** The GPU's ConvImpl: CUDNN, IM2COL_GEMM, or FASTEST (per shape the faster of the two, timed in setUp). */
    @Param({"CUDNN"})
    public String conv;
    @Param({"FP32"})
    public String math;
    /** How the GPU stores activations and weights: FP32, or BF16 / FP16 end to end (issue 22's goal 2). */
    @Param({"FP32"})
    public String precision;
    /**
     * Each convolution fused with its ReLU ({@link Net#fuseReLUs}) and concats written in place
     * ({@link Net#writeConcatsInPlace}), as feature extraction runs the net.
     */
    @Param({"true"})
    public boolean fused;
    /** Replay the forward pass as one CUDA graph (GPU only): the host's per-launch cost paid once. */
    @Param({"false"})
    public boolean graph;

    private Backend backend;
    private Net net;
    private Map<String, Tensor> inputs;
    private String codeLayer;
    private GpuGraph captured;

    @Setup(Level.Trial)
    public void setUp() {
        String[] m = MODELS.get(model);
        if (m == null) {
            throw new IllegalArgumentException("unknown model " + model + "; known: " + MODELS.keySet());
        }
        Path prototxt = sharedFile(m[0]);
        codeLayer = m[1];
        if (device.equals("cpu") && !precision.equals("FP32")) {
            throw new IllegalArgumentException("precision=" + precision + " needs device=gpu");
        }
        backend = device.equals("cpu") ? new CpuBackend()
                : GpuBackend.open(0, ConvImpl.valueOf(conv), MathMode.valueOf(math), Precision.valueOf(precision));
        net = buildWithRandomWeights(Prototxt.readNet(prototxt), backend, batch);
        if (fused) {
            net.fuseReLUs();
            net.writeConcatsInPlace();
        }
        String input = net.inputNames().get(0);
        Shape shape = net.inputShape(input);
        float[] x = new float[shape.count()];
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextDouble(-100, 100);
        }
        inputs = Map.of(input, backend.upload(Tensor.wrap(shape, x)));
        // The first pass finds cuDNN's algorithms for each shape; JMH's warm-up would too, but not in its first call.
        net.forwardTo(inputs, codeLayer);
        backend.synchronize();
        if (graph) {
            if (!(backend instanceof GpuBackend gpu)) {
                throw new IllegalArgumentException("graph=true needs device=gpu");
            }
            captured = gpu.capture(() -> net.forwardTo(inputs, codeLayer));
        }
    }

    /** {@code relative} under the shared folder ({@code -Dcortado.shared}, else ../shared), which must exist. */
    static Path sharedFile(String relative) {
        Path file = Path.of(System.getProperty("cortado.shared", "../shared")).resolve(relative);
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException(file + " not found: pass -Dcortado.shared=<folder with models/>");
        }
        return file;
    }

    /** A net on {@code backend} for batches of {@code batch}, weights drawn He-scaled from a fixed seed. */
    static Net buildWithRandomWeights(org.cortado.caffe.proto.Caffe.NetParameter def, Backend backend, int batch) {
        Net net = NetProtos.build(def, Phase.TEST, backend);
        String input = net.inputNames().get(0);
        int[] dims = net.inputShape(input).dims();
        dims[0] = batch;
        net.setInputShape(input, Shape.of(dims));
        randomWeights(net, backend);
        return net;
    }

    /**
     * Gives every parameter of {@code net} random values from a fixed seed: weights He-scaled (std sqrt(2 / fan-in),
     * so that activations keep their scale through the ReLUs), biases and vectors N(0, 0.01^2). Modified: net.
     */
    static void randomWeights(Net net, Backend backend) {
        SplittableRandom r = new SplittableRandom(42);
        for (org.cortado.layers.Param p : net.params()) {
            Shape s = p.shape();
            double std = s.rank() > 1 ? Math.sqrt(2.0 / (s.count() / s.dim(0))) : 0.01;
            float[] v = new float[s.count()];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (r.nextGaussian() * std);
            }
            p.setData(backend.upload(Tensor.wrap(s, v)));
        }
    }

    @Benchmark
    public Tensor forward() {
        if (captured != null) {
            captured.launch();
        } else {
            net.forwardTo(inputs, codeLayer);
        }
        backend.synchronize();
        return net.output(codeLayer);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (captured != null) {
            captured.close();
        }
        backend.close();
    }
}

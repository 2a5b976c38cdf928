package org.cortado.bench;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.cortado.backend.Backend;
import org.cortado.backend.cpu.CpuBackend;
import org.cortado.finetune.NetSurgery;
import org.cortado.gpu.ConvImpl;
import org.cortado.gpu.GpuBackend;
import org.cortado.gpu.MathMode;
import org.cortado.layers.Phase;
import org.cortado.net.Net;
import org.cortado.net.NetDefinition;
import org.cortado.solver.Solver;
import org.cortado.solver.SolverSettings;
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
 * The training-step timings: one iteration of Caffe's SGD (momentum 0.9, weight decay 5e-4, as the PyTorch
 * peer's {@code torch.optim.SGD}) on the deploy net made trainable ({@link NetSurgery#forTraining}: a label input,
 * SoftmaxWithLoss and Accuracy on the scores; dropout active), on a batch already on the device: forward, backward and
 * the update of every learned parameter, with the device synchronised inside the measured method. {@code freeze}
 * {@code none} trains every layer; {@code convs} freezes the layers through the last pooling of the convolutions
 * (lr_mult 0, so that backward stops at the first inner product), as the peer's {@code requires_grad False} on its
 * convolutions. Weights are random and He-scaled as in {@link NetForwardBench}; the time per batch is JMH's score.
 *
 * <p>{@code -p device=cpu} runs the same on the CPU backend, so that the harness is exercised without a GPU.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class NetTrainBench {
    /** The last layer of each model's convolutional part: what {@code freeze=convs} freezes through. */
    private static final Map<String, String> CONVS_END = Map.of("alexnet", "pool5", "squeezenet", "fire9/concat");

    @Param({"alexnet"})
    public String model;
    @Param({"256"})
    public int batch;
    @Param({"none", "convs"})
    public String freeze;
    @Param({"gpu"})
    public String device;
    @Param({"CUDNN"})
    public String conv;
    @Param({"FP32"})
    public String math;
    /**
     * Each convolution fused with its ReLU ({@link Net#fuseReLUs}) and concats written in place where backward prunes
     * them ({@link Net#writeConcatsInPlace}), as fine-tuning runs the net.
     */
    @Param({"true"})
    public boolean fused;

    private Backend backend;
    private Solver solver;
    private Map<String, Tensor> inputs;

    @Setup(Level.Trial)
    public void setUp() {
        String[] m = NetForwardBench.MODELS.get(model);
        if (m == null) {
            throw new IllegalArgumentException("unknown model " + model + "; known: " + NetForwardBench.MODELS.keySet());
        }
        if (!List.of("none", "convs").contains(freeze)) {
            throw new IllegalArgumentException("freeze must be none or convs, got " + freeze);
        }
        Path prototxt = NetForwardBench.sharedFile(m[0]);
        backend = device.equals("cpu") ? new CpuBackend()
                : GpuBackend.open(0, ConvImpl.valueOf(conv), MathMode.valueOf(math));
        NetSurgery.TrainingNet training = NetSurgery.forTraining(NetDefinition.read(prototxt), batch);
        Net net = Net.build(training.definition(), Phase.TRAIN, backend);
        if (fused) {
            net.fuseReLUs();
            net.writeConcatsInPlace();
        }
        NetForwardBench.randomWeights(net, backend);
        if (freeze.equals("convs")) {
            NetSurgery.freezeThrough(net, CONVS_END.get(model));
        }
        SplittableRandom r = new SplittableRandom(1);
        Map<String, Tensor> in = new java.util.HashMap<>();
        for (String name : net.inputNames()) {
            Shape shape = net.inputShape(name);
            float[] x = new float[shape.count()];
            boolean label = name.equals(training.label());
            for (int i = 0; i < x.length; i++) {
                x[i] = label ? r.nextInt(1000) : (float) r.nextDouble(-1, 1);
            }
            in.put(name, backend.upload(Tensor.wrap(shape, x)));
        }
        inputs = Map.copyOf(in);
        // A small rate on inputs of order 1: thousands of steps on one random batch must not diverge (the Solver stops
        // at a NaN loss); the work of a step does not depend on the values.
        solver = new Solver(net, new SolverSettings(SolverSettings.Type.SGD, 1e-6f, "fixed", 0f, 1f, 0, List.of(), 0,
                0.9f, 0.999f, 1e-8f, 5e-4f, 1, -1f, 0, 0, -1), 7);
        // The first step finds cuDNN's algorithms for every shape and direction and allocates the gradients and the
        // momentum; JMH's warm-up would too, but not in its first call.
        solver.step(() -> inputs);
        backend.synchronize();
    }

    /** One training iteration; returns its loss (JMH consumes it). */
    @Benchmark
    public double step() {
        double loss = solver.step(() -> inputs);
        backend.synchronize();
        return loss;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        backend.close();
    }
}

package org.cortado.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.cortado.backend.Backend;
import org.cortado.caffe.CaffeModelReader;
import org.cortado.caffe.CaffeModelWriter;
import org.cortado.caffe.Prototxt;
import org.cortado.caffe.proto.Caffe.NetParameter;
import org.cortado.finetune.FineTuneRecipe;
import org.cortado.finetune.NetSurgery;
import org.cortado.io.Npy;
import org.cortado.layers.Layer;
import org.cortado.layers.Param;
import org.cortado.layers.Phase;
import org.cortado.net.Net;
import org.cortado.net.NetDefinition;
import org.cortado.net.NetWeights;
import org.cortado.net.proto.NetProtos;
import org.cortado.solver.Solver;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * The nets, weights and inputs the benchmarks and the OpenCV comparison share. AlexNet gets random weights (the
 * Model Zoo caffemodel is not in the shared material) written by the engine to a full-size caffemodel; SqueezeNet
 * uses its real weights. Inputs are random images of fixed seed, saved as .npy for the peer.
 */
public final class Nets {
    /** Seed of the random AlexNet weights and of the inputs. */
    public static final long SEED = 20240611L;
    /** The code layers: AlexNet's fc7 (after relu7, in place), SqueezeNet's fire9 concat. */
    public static final String ALEXNET_CODES = "relu7";
    public static final String ALEXNET_CODES_BLOB = "fc7";
    public static final String SQUEEZENET_CODES = "fire9/concat";
    /** The input side of both nets. */
    public static final int INPUT_SIZE = 227;

    private Nets() {
    }

    /** The shared folder: {@code -Dcortado.shared}, {@code CORTADO_SHARED}, else {@code ../shared}. */
    public static Path shared() {
        String p = System.getProperty("cortado.shared");
        if (p == null || p.isBlank()) {
            p = System.getenv("CORTADO_SHARED");
        }
        return Path.of(p == null || p.isBlank() ? "../shared" : p).toAbsolutePath().normalize();
    }

    /** Where generated assets go: {@code -Dcortado.bench.assets}, else {@code bench/target/assets}. */
    public static Path assets() {
        return Path.of(System.getProperty("cortado.bench.assets", "bench/target/assets")).toAbsolutePath()
                .normalize();
    }

    public static Path alexnetDeploy() {
        return require(shared().resolve("models/caffe/bvlc_alexnet/deploy.prototxt"));
    }

    public static Path alexnetWeights() {
        return require(assets().resolve("alexnet_random.caffemodel"));
    }

    public static Path squeezenetDeploy() {
        return require(shared().resolve("models/squeezenet_v1.0/deploy.prototxt"));
    }

    public static Path squeezenetWeights() {
        return require(shared().resolve("models/squeezenet_v1.0/squeezenet_v1.0.caffemodel"));
    }

    public static Path input(int batch) {
        return require(assets().resolve("input_b" + batch + ".npy"));
    }

    static Path require(Path p) {
        if (!Files.exists(p)) {
            throw new IllegalStateException(p + " not found (shared material: -Dcortado.shared=DIR; generated "
                    + "assets: run org.cortado.bench.Assets first, as bench/compare.sh does)");
        }
        return p;
    }

    /** AlexNet with the weights of {@link #alexnetWeights()}. */
    public static Net alexnet(Backend backend) {
        Net net = Net.build(NetDefinition.read(alexnetDeploy()), Phase.TEST, backend);
        NetWeights.copy(CaffeModelReader.read(alexnetWeights()), net);
        return net;
    }

    /** SqueezeNet v1.0 with its real weights. */
    public static Net squeezenet(Backend backend) {
        Net net = Net.build(NetDefinition.read(squeezenetDeploy()), Phase.TEST, backend);
        NetWeights.copy(CaffeModelReader.read(squeezenetWeights()), net);
        return net;
    }

    /** The classifiers replaced by a 2-way layer for fine-tuning, and where each net's "frozen" run stops freezing. */
    public static final String SQUEEZENET_CLASSIFIER = "conv_final";
    public static final String SQUEEZENET_FROZEN_THROUGH = "fire8/concat";
    public static final String ALEXNET_CLASSIFIER = "fc8";
    public static final String ALEXNET_FROZEN_THROUGH = "conv5";
    /** Classes of the fine-tuning benchmarks (as ants and bees). */
    public static final int FINETUNE_CLASSES = 2;

    /**
     * One net set up for fine-tuning as {@link org.cortado.finetune.FineTuner} sets it up, without the data feed:
     * the classifier replaced by a fresh 2-way layer (same surgery, fillers and multipliers), a training net with a
     * label input, SoftmaxWithLoss and Accuracy, the default recipe's solver (SGD, momentum 0.9, weight decay 5e-4),
     * and the input batch of {@link #input(int)} with labels 0, 1, 0, 1, ...
     */
    public record FineTuning(Net net, Solver solver, Map<String, Tensor> inputs, String classifier, String label) {
        /** One training iteration: clear the gradients, forward, loss, backward, update; returns the loss. */
        public double step() {
            return solver.step(n -> n.forwardBackward(inputs));
        }
    }

    /**
     * {@code which}: "squeezenet" (its real weights) or "alexnet" (the random-weight caffemodel); {@code frozen}:
     * every layer through {@link #SQUEEZENET_FROZEN_THROUGH} or {@link #ALEXNET_FROZEN_THROUGH} frozen (lr_mult 0),
     * so that backward is pruned there; {@code dropout}: false removes the Dropout layers (in place in both nets),
     * so that a step is deterministic and comparable with a peer's.
     */
    public static FineTuning fineTuning(String which, boolean frozen, boolean dropout, int batch, Backend backend) {
        boolean squeeze = switch (which) {
            case "squeezenet" -> true;
            case "alexnet" -> false;
            default -> throw new IllegalArgumentException("unknown net '" + which + "'; known: squeezenet, alexnet");
        };
        String old = squeeze ? SQUEEZENET_CLASSIFIER : ALEXNET_CLASSIFIER;
        String classifier = old + "_ft";
        NetParameter deploy = Prototxt.readNet(squeeze ? squeezenetDeploy() : alexnetDeploy());
        if (!dropout) {
            deploy = deploy.toBuilder().clearLayer().addAllLayer(deploy.getLayerList().stream()
                    .filter(l -> !l.getType().equals("Dropout")).toList()).build();
        }
        NetDefinition replaced = NetSurgery.replaceLayer(NetProtos.of(deploy), old, FINETUNE_CLASSES, classifier,
                NetSurgery.DEFAULT_WEIGHT_FILLER, NetSurgery.DEFAULT_BIAS_FILLER);
        NetSurgery.TrainingNet training = NetSurgery.forTraining(replaced, batch);
        Net net = Net.build(training.definition(), Phase.TRAIN, backend);
        net.fuseReLUs();   // as FineTuner runs it
        net.writeConcatsInPlace();
        NetWeights.copy(CaffeModelReader.read(squeeze ? squeezenetWeights() : alexnetWeights()), net,
                Set.of(classifier));
        NetSurgery.initialize(net, classifier, SEED);
        NetSurgery.setClassifierMultipliers(net, classifier, FineTuneRecipe.HEAD_LR_MULT);
        if (frozen) {
            NetSurgery.freezeThrough(net, squeeze ? SQUEEZENET_FROZEN_THROUGH : ALEXNET_FROZEN_THROUGH);
        }
        float[] labels = new float[batch];
        for (int i = 0; i < batch; i++) {
            labels[i] = i % FINETUNE_CLASSES;
        }
        Map<String, Tensor> inputs = Map.of(training.label(), Tensor.wrap(Shape.of(batch), labels),
                net.inputNames().stream().filter(n -> !n.equals(training.label())).findFirst().orElseThrow(),
                Npy.read(input(batch)));
        // The poly policy of the recipe needs a horizon; a far one keeps the rate at the base rate.
        Solver solver = new Solver(net, FineTuneRecipe.solver().withMaxIter(Integer.MAX_VALUE), SEED);
        return new FineTuning(net, solver, inputs, classifier, training.label());
    }

    /**
     * Fills every parameter with He-normal weights (std sqrt(2 / fan-in), so that activations keep their scale
     * through the ReLUs) and biases of 0.01. Modified: the net's parameters.
     */
    static void randomWeights(Net net, long seed) {
        Random rnd = new Random(seed);
        for (Param p : net.params()) {
            float[] data = p.data().hostData();
            Shape s = p.shape();
            if (s.rank() == 1) {
                java.util.Arrays.fill(data, 0, s.count(), 0.01f);
                continue;
            }
            double std = Math.sqrt(2.0 / s.countFrom(1));
            for (int i = 0; i < s.count(); i++) {
                data[i] = (float) (rnd.nextGaussian() * std);
            }
        }
    }

    /** A batch of random images (pixels minus a mean: uniform in [-128, 128)), the same for every caller. */
    public static Tensor randomInput(int batch) {
        Random rnd = new Random(SEED + batch);
        float[] data = new float[batch * 3 * INPUT_SIZE * INPUT_SIZE];
        for (int i = 0; i < data.length; i++) {
            data[i] = rnd.nextFloat() * 256f - 128f;
        }
        return Tensor.wrap(Shape.of(batch, 3, INPUT_SIZE, INPUT_SIZE), data);
    }

    /** Writes {@code net}'s parameters as a caffemodel (the engine's own writer). */
    static void writeCaffemodel(Net net, Path out) {
        Map<String, List<Tensor>> blobs = new LinkedHashMap<>();
        for (Layer layer : net.layers()) {
            if (!layer.params().isEmpty()) {
                blobs.put(layer.name(), layer.params().stream().map(Param::data).toList());
            }
        }
        CaffeModelWriter.write(out, net.name(), NetProtos.proto(net.definition()).getLayerList(), blobs);
    }

    /**
     * Writes the generated assets: the random-weight AlexNet caffemodel (244 MB) and the input batches of 1 and
     * 16 as .npy. Arguments: none (the folder is {@link #assets()}).
     */
    public static void main(String[] args) throws Exception {
        Path dir = assets();
        Files.createDirectories(dir);
        Path model = dir.resolve("alexnet_random.caffemodel");
        if (!Files.exists(model)) {
            Net net = Net.build(NetDefinition.read(alexnetDeploy()), Phase.TEST,
                    new org.cortado.backend.cpu.CpuBackend());
            randomWeights(net, SEED);
            writeCaffemodel(net, model);
        }
        for (int batch : new int[] {1, 16}) {
            Path in = dir.resolve("input_b" + batch + ".npy");
            if (!Files.exists(in)) {
                Npy.write(in, randomInput(batch));
            }
        }
        System.out.println("assets in " + dir + ": " + model.getFileName() + " (" + Files.size(model) + " bytes), "
                + "input_b1.npy, input_b16.npy");
    }
}

package org.cortado.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.cortado.backend.Backend;
import org.cortado.backend.cpu.CpuBackend;
import org.cortado.io.Npy;
import org.cortado.layers.Layer;
import org.cortado.layers.LayerType;
import org.cortado.layers.Param;
import org.cortado.layers.Phase;
import org.cortado.net.Net;
import org.cortado.net.NetDefinition;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * The Model Zoo nets of the whole-process comparison (bench/process.sh): for each deploy prototxt, a caffemodel of
 * random weights and input batches of 1 and 16 at its input size, written once under
 * {@code <assets>/zoo/}. Weights are He-normal (seeded) for convolutions and inner products, with BatchNorm and
 * Scale set to the identity, so that activations keep their scale through deep nets and no engine meets denormals.
 */
public final class ZooAssets {
    private ZooAssets() {
    }

    /** Name to deploy prototxt, relative to the repository root or to ../shared. */
    static Map<String, Path> nets() {
        Path shared = Nets.shared();
        Map<String, Path> nets = new LinkedHashMap<>();
        nets.put("alexnet", shared.resolve("models/caffe/bvlc_alexnet/deploy.prototxt"));
        nets.put("googlenet", shared.resolve("models/caffe/bvlc_googlenet/deploy.prototxt"));
        nets.put("squeezenet_v1.0", shared.resolve("models/squeezenet_v1.0/deploy.prototxt"));
        nets.put("squeezenet_v1.1", Path.of("bench/models/squeezenet_v1.1/deploy.prototxt"));
        nets.put("nin", Path.of("bench/models/nin/deploy.prototxt"));
        nets.put("resnet50", Path.of("bench/models/resnet50/deploy.prototxt"));
        nets.put("vgg16", Path.of("bench/models/vgg16/deploy.prototxt"));
        return nets;
    }

    /** The deploy prototxt of net {@code name}, which must exist. */
    static Path prototxt(String name) {
        Path p = nets().get(name);
        if (p == null) {
            throw new IllegalArgumentException("unknown Zoo net '" + name + "'; known: " + nets().keySet());
        }
        return Nets.require(p.toAbsolutePath());
    }

    /** The random-weight caffemodel of net {@code name} ({@link #main} writes it). */
    static Path model(String name) {
        return dir().resolve(name + ".caffemodel");
    }

    /** The input batch of {@code batch} images of net {@code name} ({@link #main} writes it). */
    static Path input(String name, int batch) {
        return dir().resolve(name + "_b" + batch + ".npy");
    }

    private static Path dir() {
        return Nets.assets().resolve("zoo");
    }

    /** Writes the assets; prints one line per net: name, prototxt, caffemodel, input height, last layer. */
    public static void main(String[] args) throws Exception {
        Files.createDirectories(dir());
        for (String name : nets().keySet()) {
            Path prototxt = prototxt(name);
            Path model = model(name);
            Net net;
            try (CpuBackend backend = new CpuBackend()) {
                net = Net.build(NetDefinition.read(prototxt), Phase.TEST, backend);
                if (!Files.exists(model)) {
                    fill(net, name.hashCode(), backend);
                    Nets.writeCaffemodel(net, model);
                }
            }
            Shape in = net.inputShape(net.inputNames().get(0));
            for (int batch : new int[] {1, 16}) {
                Path npy = input(name, batch);
                if (!Files.exists(npy)) {
                    Npy.write(npy, input(batch, in.dim(1), in.dim(2), in.dim(3)));
                }
            }
            List<Layer> layers = net.layers();
            System.out.println(name + " " + prototxt + " " + model + " " + in.dim(2) + " "
                    + layers.get(layers.size() - 1).name());
        }
    }

    /**
     * Gives every parameter of {@code net} the Zoo assets' random values from {@code seed}: He-normal convolutions and
     * inner products (std sqrt(2 / fan-in)), biases of 0.01, BatchNorm and Scale at the identity. Each parameter gets
     * a new tensor on {@code backend}, so that the GPU benchmarks ({@link ZooForwardBench}) draw the same values as
     * the caffemodels written here. Modified: the net's parameters.
     */
    static void fill(Net net, long seed, Backend backend) {
        Random rnd = new Random(seed);
        for (Layer layer : net.layers()) {
            List<Param> params = layer.params();
            if (layer.type() == LayerType.BATCH_NORM) {
                // mean 0, variance 1, moving-average factor 1: the identity.
                set(params.get(0), 0f, backend);
                set(params.get(1), 1f, backend);
                set(params.get(2), 1f, backend);
            } else if (layer.type() == LayerType.SCALE) {
                set(params.get(0), 1f, backend);
                if (params.size() > 1) {
                    set(params.get(1), 0f, backend);
                }
            } else {
                for (Param p : params) {
                    Shape s = p.shape();
                    if (s.rank() == 1) {
                        set(p, 0.01f, backend);
                        continue;
                    }
                    float[] data = new float[s.count()];
                    double std = Math.sqrt(2.0 / s.countFrom(1));
                    for (int i = 0; i < data.length; i++) {
                        data[i] = (float) (rnd.nextGaussian() * std);
                    }
                    p.setData(backend.upload(Tensor.wrap(s, data)));
                }
            }
        }
    }

    private static void set(Param p, float value, Backend backend) {
        float[] data = new float[p.shape().count()];
        java.util.Arrays.fill(data, value);
        p.setData(backend.upload(Tensor.wrap(p.shape(), data)));
    }

    /** Pixels minus a mean, uniform in [-128, 128), the same for every run. */
    static Tensor input(int batch, int c, int h, int w) {
        Random rnd = new Random(Nets.SEED + batch + h);
        float[] data = new float[batch * c * h * w];
        for (int i = 0; i < data.length; i++) {
            data[i] = rnd.nextFloat() * 256f - 128f;
        }
        return Tensor.wrap(Shape.of(batch, c, h, w), data);
    }
}

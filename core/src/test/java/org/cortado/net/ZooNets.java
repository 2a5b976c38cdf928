package org.cortado.net;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.cortado.backend.cpu.CpuBackend;
import org.cortado.caffe.Prototxt;
import org.cortado.layers.BatchNormLayer;
import org.cortado.layers.InputLayer;
import org.cortado.layers.Layer;
import org.cortado.layers.Param;
import org.cortado.layers.Phase;
import org.cortado.layers.ScaleLayer;
import org.cortado.net.proto.NetProtos;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * Model Zoo nets with random weights for tests that compare two forms of one net: the weights are drawn once per
 * net and shared by every instance built from them (nothing here writes a parameter in place).
 */
final class ZooNets {
    private ZooNets() {
    }

    /** Random values for every parameter of {@code deploy}'s net, by parameter name, from {@code seed}. */
    static Map<String, Tensor> randomWeights(Path deploy, long seed) {
        Net net = build(deploy, Map.of());
        SplittableRandom rnd = new SplittableRandom(seed);
        Map<String, Tensor> weights = new HashMap<>();
        for (Layer layer : net.layers()) {
            for (int k = 0; k < layer.params().size(); k++) {
                Param p = layer.params().get(k);
                weights.put(p.name(), Tensor.wrap(p.shape(), values(layer, k, p.shape(), rnd)));
            }
        }
        return weights;
    }

    /**
     * He-uniform weights; BatchNorm statistics of means near 0, variances in [0.5, 1.5) and a factor of 1; Scale
     * factors in [0.5, 1.5); small biases: activations keep their scale through the deepest nets.
     */
    private static float[] values(Layer layer, int k, Shape shape, SplittableRandom rnd) {
        float[] v = new float[shape.count()];
        for (int i = 0; i < v.length; i++) {
            if (layer instanceof BatchNormLayer) {
                v[i] = k == 0 ? (float) rnd.nextDouble(-0.2, 0.2) : k == 1 ? (float) rnd.nextDouble(0.5, 1.5) : 1f;
            } else if (layer instanceof ScaleLayer && k == 0) {
                v[i] = (float) rnd.nextDouble(0.5, 1.5);
            } else if (shape.rank() == 1) {
                v[i] = (float) rnd.nextDouble(-0.05, 0.05);
            } else {
                double bound = Math.sqrt(6.0 / shape.countFrom(1));
                v[i] = (float) rnd.nextDouble(-bound, bound);
            }
        }
        return v;
    }

    /** {@code deploy}'s net on the CPU with {@code weights} (by parameter name; missing ones stay as built). */
    static Net build(Path deploy, Map<String, Tensor> weights) {
        Net net = NetProtos.build(Prototxt.readNet(deploy), Phase.TEST, new CpuBackend());
        for (Param p : net.params()) {
            Tensor w = weights.get(p.name());
            if (w != null) {
                p.setData(w);
            }
        }
        return net;
    }

    /** A random input batch of {@code batch} images of the net's declared size, in [-1, 1). */
    static Tensor input(Net net, int batch, long seed) {
        Shape declared = net.inputShape(net.inputNames().get(0));
        Shape shape = declared.withDim(0, batch);
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] v = new float[shape.count()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) rnd.nextDouble(-1, 1);
        }
        return Tensor.wrap(shape, v);
    }

    /** The layers whose first top no layer reads (the net's outputs), Input layers apart. */
    static List<String> outputLayers(Net net) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < net.layers().size(); i++) {
            if (net.layers().get(i) instanceof InputLayer) {
                continue;
            }
            boolean read = false;
            for (int j = i + 1; j < net.layers().size() && !read; j++) {
                for (int b = 0; b < net.layers().get(j).bottoms().size(); b++) {
                    int[] producer = net.producerOf(j, b);
                    read |= producer[0] == i && producer[1] == 0;
                }
            }
            if (!read) {
                out.add(net.layers().get(i).name());
            }
        }
        return out;
    }
}

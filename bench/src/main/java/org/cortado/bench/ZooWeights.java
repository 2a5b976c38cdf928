package org.cortado.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.cortado.backend.cpu.CpuBackend;
import org.cortado.caffe.Prototxt;
import org.cortado.layers.BatchNormLayer;
import org.cortado.layers.Layer;
import org.cortado.layers.Phase;
import org.cortado.layers.ScaleLayer;
import org.cortado.net.Net;

/**
 * A caffemodel of random weights for any deploy net, as {@link Nets} makes AlexNet's: He-normal weights and biases of
 * 0.01 from {@link Nets#SEED}; BatchNorm with mean 0, variance 1 and factor 1, Scale with factor 1 and bias 0 (the
 * identity), so that activations keep their scale through deep nets. Arguments: DEPLOY OUT.caffemodel; an existing
 * OUT is kept.
 */
public final class ZooWeights {
    private ZooWeights() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            throw new IllegalArgumentException("usage: ZooWeights DEPLOY.prototxt OUT.caffemodel");
        }
        Path out = Path.of(args[1]);
        if (Files.exists(out)) {
            return;
        }
        Net net = Net.build(Prototxt.readNet(Path.of(args[0])), Phase.TEST, new CpuBackend());
        Nets.randomWeights(net, Nets.SEED);
        for (Layer layer : net.layers()) {
            if (layer instanceof BatchNormLayer) {
                fill(layer, 0, 0f);
                fill(layer, 1, 1f);
                fill(layer, 2, 1f);
            } else if (layer instanceof ScaleLayer) {
                fill(layer, 0, 1f);
                if (layer.params().size() > 1) {
                    fill(layer, 1, 0f);
                }
            }
        }
        Files.createDirectories(out.toAbsolutePath().getParent());
        Nets.writeCaffemodel(net, out);
    }

    private static void fill(Layer layer, int param, float value) {
        float[] data = layer.params().get(param).data().hostData();
        Arrays.fill(data, 0, layer.params().get(param).shape().count(), value);
    }
}

package org.cortado.testing;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.cortado.caffe.CaffeModelWriter;
import org.cortado.caffe.Prototxt;
import org.cortado.caffe.proto.Caffe.NetParameter;
import org.cortado.io.AtomicFiles;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * A small Caffe net with seeded random weights, written as a deploy prototxt and a caffemodel, for tests that need a
 * real pretrained-style net without the shared models: input (1, 3, 12, 12); conv1 (6 maps, 3x3) with an in-place
 * ReLU and Dropout; conv2 (8 maps, 3x3, so 8 x 8 x 8) with an in-place ReLU; InnerProduct fc (5); Softmax prob.
 */
public final class TinyNet {
    /** The input size: images are resized to 14x14 and cropped to this. */
    public static final int INPUT = 12;

    public static final String PROTOTXT = """
            name: "tiny"
            layer { name: "data" type: "Input" top: "data"
                    input_param { shape { dim: 1 dim: 3 dim: 12 dim: 12 } } }
            layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1"
                    convolution_param { num_output: 6 kernel_size: 3 } }
            layer { name: "relu1" type: "ReLU" bottom: "conv1" top: "conv1" }
            layer { name: "drop1" type: "Dropout" bottom: "conv1" top: "conv1" dropout_param { dropout_ratio: 0.5 } }
            layer { name: "conv2" type: "Convolution" bottom: "conv1" top: "conv2"
                    convolution_param { num_output: 8 kernel_size: 3 } }
            layer { name: "relu2" type: "ReLU" bottom: "conv2" top: "conv2" }
            layer { name: "fc" type: "InnerProduct" bottom: "conv2" top: "fc" inner_product_param { num_output: 5 } }
            layer { name: "prob" type: "Softmax" bottom: "fc" top: "prob" }
            """;

    /** Where the files are. */
    public record Files(Path deploy, Path caffemodel) {
    }

    private TinyNet() {
    }

    /** Writes {@code tiny.prototxt} and {@code tiny.caffemodel} into {@code dir}, weights drawn from {@code seed}. */
    public static Files write(Path dir, long seed) {
        Path deploy = dir.resolve("tiny.prototxt");
        Path model = dir.resolve("tiny.caffemodel");
        AtomicFiles.writeString(deploy, PROTOTXT);
        NetParameter net = Prototxt.readNet(deploy);
        SplittableRandom rng = new SplittableRandom(seed);
        Map<String, List<Tensor>> blobs = new LinkedHashMap<>();
        // Scales keep activations of 0..255 inputs minus a mean near 1-10, with biases that switch some units off.
        blobs.put("conv1", List.of(gaussian(rng, Shape.of(6, 3, 3, 3), 0.02), gaussian(rng, Shape.of(6), 0.5)));
        blobs.put("conv2", List.of(gaussian(rng, Shape.of(8, 6, 3, 3), 0.2), gaussian(rng, Shape.of(8), 0.5)));
        blobs.put("fc", List.of(gaussian(rng, Shape.of(5, 512), 0.05), gaussian(rng, Shape.of(5), 0.1)));
        List<org.cortado.caffe.proto.Caffe.LayerParameter> layers = new ArrayList<>(net.getLayerList());
        CaffeModelWriter.write(model, net.getName(), layers, blobs);
        return new Files(deploy, model);
    }

    private static Tensor gaussian(SplittableRandom rng, Shape shape, double std) {
        float[] v = new float[shape.count()];
        for (int i = 0; i < v.length; i++) {
            // Box-Muller from two uniforms.
            double u = 1 - rng.nextDouble();
            v[i] = (float) (std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.nextDouble()));
        }
        return Tensor.wrap(shape, v);
    }
}

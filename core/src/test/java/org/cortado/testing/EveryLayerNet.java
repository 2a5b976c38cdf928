package org.cortado.testing;

import java.util.LinkedHashMap;
import java.util.Map;
import org.cortado.backend.CounterRng;
import org.cortado.layers.Param;
import org.cortado.net.Net;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * A net that uses every layer cortado took over from Caffe after its classification nets (neuron functions, PReLU,
 * Slice, Deconvolution, Crop, MVN, STOCHASTIC pooling, Threshold, Bias, Tile, Reduction, ArgMax, Embed, Silence and
 * the five losses), for the acceptance test against OpenCV and the naive references (core's
 * CaffeLayersAcceptanceTest) and the GPU parity tests (kernels' NetTrainingParityContract).
 */
public final class EveryLayerNet {
    private EveryLayerNet() {
    }

    /**
     * The net. The part OpenCV implements comes first, up to {@code silence1}, so that a prefix of it is a net OpenCV
     * loads; the inputs besides {@code data} feed Embed and the losses.
     */
    public static final String NET = """
            name: "every_layer"
            layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 2 dim: 3 dim: 8 dim: 8 } } }
            layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1"
                    convolution_param { num_output: 4 kernel_size: 3 pad: 1 } }
            layer { name: "prelu1" type: "PReLU" bottom: "conv1" top: "prelu1" }
            layer { name: "elu1" type: "ELU" bottom: "prelu1" top: "elu1" elu_param { alpha: 0.7 } }
            layer { name: "slice1" type: "Slice" bottom: "elu1" top: "s_a" top: "s_b" top: "s_c"
                    slice_param { slice_point: 1 slice_point: 3 } }
            layer { name: "power1" type: "Power" bottom: "s_b" top: "power1"
                    power_param { power: 2 scale: 0.5 shift: 1 } }
            layer { name: "exp1" type: "Exp" bottom: "s_a" top: "exp1" exp_param { base: 2 scale: 0.5 shift: 0.1 } }
            layer { name: "log1" type: "Log" bottom: "exp1" top: "log1" }
            layer { name: "absval1" type: "AbsVal" bottom: "s_c" top: "absval1" }
            layer { name: "bnll1" type: "BNLL" bottom: "s_c" top: "bnll1" }
            layer { name: "concat1" type: "Concat" bottom: "power1" bottom: "log1" bottom: "absval1" bottom: "bnll1"
                    top: "concat1" }
            layer { name: "mvn1" type: "MVN" bottom: "concat1" top: "mvn1" }
            layer { name: "deconv1" type: "Deconvolution" bottom: "mvn1" top: "deconv1"
                    convolution_param { num_output: 3 kernel_size: 4 stride: 2 pad: 1 } }
            layer { name: "crop1" type: "Crop" bottom: "deconv1" bottom: "data" top: "crop1"
                    crop_param { axis: 2 offset: 3 } }
            layer { name: "prelu2" type: "PReLU" bottom: "crop1" top: "prelu2" }
            layer { name: "silence1" type: "Silence" bottom: "bnll1" }
            layer { name: "ids" type: "Input" top: "ids" input_param { shape { dim: 2 dim: 3 } } }
            layer { name: "target" type: "Input" top: "target" input_param { shape { dim: 2 dim: 6 } } }
            layer { name: "t2" type: "Input" top: "t2" input_param { shape { dim: 2 dim: 3 dim: 4 dim: 4 } } }
            layer { name: "label" type: "Input" top: "label" input_param { shape { dim: 2 } } }
            layer { name: "H" type: "Input" top: "H" input_param { shape { dim: 6 dim: 6 } } }
            layer { name: "sim" type: "Input" top: "sim" input_param { shape { dim: 2 } } }
            layer { name: "pool1" type: "Pooling" bottom: "prelu2" top: "pool1"
                    pooling_param { pool: STOCHASTIC kernel_size: 3 stride: 2 } }
            layer { name: "log2" type: "Log" bottom: "exp1" top: "log2" log_param { base: 10 scale: 2 shift: 1 } }
            layer { name: "threshold1" type: "Threshold" bottom: "mvn1" top: "threshold1"
                    threshold_param { threshold: 0.2 } }
            layer { name: "bias1" type: "Bias" bottom: "prelu2" top: "bias1" }
            layer { name: "tile1" type: "Tile" bottom: "bias1" top: "tile1" tile_param { tiles: 2 } }
            layer { name: "reduction1" type: "Reduction" bottom: "tile1" top: "reduction1"
                    reduction_param { operation: SUMSQ axis: 2 coeff: 0.05 } }
            layer { name: "reduction2" type: "Reduction" bottom: "tile1" top: "reduction2"
                    reduction_param { operation: MEAN axis: 1 } }
            layer { name: "argmax1" type: "ArgMax" bottom: "tile1" top: "argmax1" argmax_param { axis: 1 top_k: 2 } }
            layer { name: "embed1" type: "Embed" bottom: "ids" top: "embed1"
                    embed_param { num_output: 4 input_dim: 5 } }
            layer { name: "flat1" type: "Flatten" bottom: "embed1" top: "flat1" }
            layer { name: "slice2" type: "Slice" bottom: "flat1" top: "e_a" top: "e_b" }
            layer { name: "prob1" type: "Softmax" bottom: "reduction1" top: "prob1" }
            layer { name: "euclidean" type: "EuclideanLoss" bottom: "reduction1" bottom: "target" top: "l_euclidean" }
            layer { name: "sigmoid_ce" type: "SigmoidCrossEntropyLoss" bottom: "pool1" bottom: "t2" top: "l_sigmoid_ce"
                    loss_param { ignore_label: -1 normalization: VALID } }
            layer { name: "logistic" type: "MultinomialLogisticLoss" bottom: "prob1" bottom: "label"
                    top: "l_logistic" }
            layer { name: "infogain" type: "InfogainLoss" bottom: "reduction1" bottom: "label" bottom: "H"
                    top: "l_infogain" }
            layer { name: "contrastive" type: "ContrastiveLoss" bottom: "e_a" bottom: "e_b" bottom: "sim"
                    top: "l_contrastive" contrastive_loss_param { margin: 4 } }
            layer { name: "silence2" type: "Silence" bottom: "threshold1" bottom: "reduction2" bottom: "argmax1"
                    bottom: "log2" }
            """;

    /** Values for every input of {@link #NET}: an image batch, embedding indices, targets, labels, H, similarity. */
    public static Map<String, Tensor> inputs() {
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("data", GradientChecker.gaussian(Shape.of(2, 3, 8, 8), 1.0, 1));
        in.put("ids", Tensor.wrap(Shape.of(2, 3), new float[] {0, 4, 2, 2, 1, 4}));
        in.put("target", GradientChecker.gaussian(Shape.of(2, 6), 1.0, 2));
        Tensor t2 = GradientChecker.uniform(Shape.of(2, 3, 4, 4), 0, 1, 3);
        t2.hostData()[5] = -1;
        in.put("t2", t2);
        in.put("label", Tensor.wrap(Shape.of(2), new float[] {3, 5}));
        in.put("H", GradientChecker.uniform(Shape.of(6, 6), 0, 1, 4));
        in.put("sim", Tensor.wrap(Shape.of(2), new float[] {1, 0}));
        return in;
    }

    /** Gives every parameter of {@code net} N(0, 0.5^2) values (slopes and biases included), on the net's backend. */
    public static void setParameters(Net net) {
        int k = 0;
        for (Param p : net.params()) {
            Tensor v = GradientChecker.gaussian(p.shape(), 0.5, CounterRng.derive(7, k++));
            net.backend().copy(net.backend().upload(v), p.data());
        }
    }
}

package org.cortado.net;

import static org.cortado.net.FusionTesting.assertBitsEqual;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.cortado.backend.Backend;
import org.cortado.backend.cpu.CpuBackend;
import org.cortado.layers.Param;
import org.cortado.layers.Phase;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;
import org.cortado.testing.GradientChecker;
import org.cortado.testing.SharedData;
import org.junit.jupiter.api.Test;

/**
 * {@link Net#fuseReLUs}: which pairs fuse, and that a fused net computes what the unfused one does, to the bit, forward
 * (a whole SqueezeNet, batch 2) and backward (every parameter gradient of a training net).
 */
class NetReluFusionTest {
    /**
     * conv1's in-place ReLU fuses; "b"'s ReLU is not in place but is b's only reader, so it fuses too; "a" is read by
     * its leaky ReLU (slope 0.1: not a max with zero) and "c" by a ReLU and the concat, so neither fuses.
     */
    static final String NET = """
            name: "fusion"
            layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 2 dim: 3 dim: 7 dim: 7 } } }
            layer { name: "label" type: "Input" top: "label" input_param { shape { dim: 2 } } }
            layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1"
                    convolution_param { num_output: 6 kernel_size: 3 pad: 1 } }
            layer { name: "relu1" type: "ReLU" bottom: "conv1" top: "conv1" }
            layer { name: "a" type: "Convolution" bottom: "conv1" top: "a" convolution_param { num_output: 2 kernel_size: 1 } }
            layer { name: "leaky_a" type: "ReLU" bottom: "a" top: "a" relu_param { negative_slope: 0.1 } }
            layer { name: "b" type: "Convolution" bottom: "conv1" top: "b"
                    convolution_param { num_output: 3 kernel_size: 3 pad: 1 } }
            layer { name: "relu_b" type: "ReLU" bottom: "b" top: "b_relu" }
            layer { name: "c" type: "Convolution" bottom: "conv1" top: "c" convolution_param { num_output: 2 kernel_size: 1 } }
            layer { name: "relu_c" type: "ReLU" bottom: "c" top: "c_relu" }
            layer { name: "cat" type: "Concat" bottom: "a" bottom: "b_relu" bottom: "c" bottom: "c_relu" top: "cat" }
            layer { name: "fc" type: "InnerProduct" bottom: "cat" top: "fc" inner_product_param { num_output: 3 } }
            layer { name: "loss" type: "SoftmaxWithLoss" bottom: "fc" bottom: "label" top: "loss" }
            """;

    private final CpuBackend backend = new CpuBackend(2);

    private Net build(boolean fused) {
        Net net = FusionTesting.trainingNet(NET, backend, 1000);
        if (fused) {
            assertEquals(List.of("conv1", "b"), net.fuseReLUs());
        }
        return net;
    }

    private static Map<String, Tensor> inputs() {
        return Map.of("data", GradientChecker.gaussian(Shape.of(2, 3, 7, 7), 1.0, 1),
                "label", Tensor.wrap(Shape.of(2), new float[] {2, 0}));
    }

    @Test
    void fusedTrainingNetHasTheSameLossAndGradientsToTheBit() {
        Net plain = build(false);
        Net fused = build(true);
        assertEquals(plain.forwardBackward(inputs()), fused.forwardBackward(inputs()));
        for (int i = 0; i < plain.params().size(); i++) {
            Param p = plain.params().get(i);
            assertBitsEqual(p.name() + " gradient", p.diffOrNull(), fused.params().get(i).diffOrNull());
        }
        for (String blob : List.of("conv1", "b_relu", "cat", "fc")) {
            assertBitsEqual("blob " + blob, plain.blob(blob), fused.blob(blob));
        }
    }

    @Test
    void fusedPairsShareOneTensorAndForwardToTheConvolutionKeepsItsOwnOutput() {
        Net net = build(true);
        assertSame(net.output("conv1"), net.output("relu1"));
        assertSame(net.output("b"), net.output("relu_b"));
        assertNotSame(net.output("c"), net.output("relu_c"));
        assertNotSame(net.output("a"), net.output("leaky_a"));
        net.forward(inputs());
        float min = Float.MAX_VALUE;
        for (float v : net.output("conv1").hostData()) {
            min = Math.min(min, v);
        }
        assertEquals(0f, min, "after a pass through relu1, conv1's output is its ReLU'd value");
        net.forwardTo(inputs(), "conv1");
        Net plain = build(false);
        plain.forwardTo(inputs(), "conv1");
        assertBitsEqual("conv1 alone", plain.output("conv1"), net.output("conv1"));
        // A new batch size reallocates the tops: the pair still shares one tensor.
        net.setInputShapes(Map.of("data", Shape.of(3, 3, 7, 7), "label", Shape.of(3)));
        assertSame(net.output("conv1"), net.output("relu1"));
    }

    /** SqueezeNet v1.0, every convolution fused with its ReLU, gives the fire9 codes and the final scores to the bit. */
    @Test
    void squeezeNetFusedGivesTheSameOutputsToTheBit() {
        var deploy = SharedData.require("models/squeezenet_v1.0/deploy.prototxt");
        var weights = SharedData.require("models/squeezenet_v1.0/squeezenet_v1.0.caffemodel");
        Backend cpu = new CpuBackend();
        Net plain = LoadedNet.load(deploy, weights, Phase.TEST, cpu).net();
        Net fused = LoadedNet.load(deploy, weights, Phase.TEST, cpu).net();
        List<String> convs = fused.fuseReLUs();
        assertEquals(26, convs.size(), convs.toString());
        assertTrue(convs.contains("conv1") && convs.contains("fire9/conv3x3_2") && convs.contains("conv_final"),
                convs.toString());
        Tensor x = GradientChecker.gaussian(Shape.of(2, 3, 227, 227), 50.0, 5);
        plain.forward(Map.of(plain.inputNames().get(0), x));
        fused.forward(Map.of(fused.inputNames().get(0), x));
        assertBitsEqual("fire9/concat", plain.blob("fire9/concat"), fused.blob("fire9/concat"));
        assertBitsEqual("pool_final", plain.blob("pool_final"), fused.blob("pool_final"));
    }
}

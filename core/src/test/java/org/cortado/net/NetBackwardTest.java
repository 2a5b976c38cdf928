package org.cortado.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.cortado.backend.cpu.CpuBackend;
import org.cortado.caffe.Prototxt;
import org.cortado.caffe.proto.Caffe.NetParameter;
import org.cortado.layers.Param;
import org.cortado.layers.Phase;
import org.cortado.net.proto.NetProtos;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;
import org.cortado.testing.GradientChecker;
import org.junit.jupiter.api.Test;

class NetBackwardTest {
    /**
     * A small net with a blob read by two layers (conv1's ReLU'd output feeds both branches), a concat, in-place
     * layers, average pooling, an inner product and a loss, plus an Accuracy that must not run backward.
     */
    static final String NET = """
            name: "tiny"
            layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 2 dim: 3 dim: 6 dim: 6 } } }
            layer { name: "label" type: "Input" top: "label" input_param { shape { dim: 2 } } }
            layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1"
                    convolution_param { num_output: 4 kernel_size: 3 pad: 1 } }
            layer { name: "relu1" type: "ReLU" bottom: "conv1" top: "conv1" }
            layer { name: "a" type: "Convolution" bottom: "conv1" top: "a"
                    convolution_param { num_output: 2 kernel_size: 1 } }
            layer { name: "b" type: "Convolution" bottom: "conv1" top: "b"
                    convolution_param { num_output: 3 kernel_size: 3 pad: 1 group: 1 } }
            layer { name: "cat" type: "Concat" bottom: "a" bottom: "b" top: "cat" }
            layer { name: "pool" type: "Pooling" bottom: "cat" top: "pool"
                    pooling_param { pool: AVE kernel_size: 3 stride: 2 } }
            layer { name: "fc" type: "InnerProduct" bottom: "pool" top: "fc" inner_product_param { num_output: 3 } }
            layer { name: "loss" type: "SoftmaxWithLoss" bottom: "fc" bottom: "label" top: "loss" }
            layer { name: "acc" type: "Accuracy" bottom: "fc" bottom: "label" top: "acc" }
            """;

    private final CpuBackend backend = new CpuBackend(2);

    private Net build(String text) {
        NetParameter.Builder b = NetParameter.newBuilder();
        Prototxt.parseText("test net", text, b);
        Net net = NetProtos.build(b.build(), Phase.TRAIN, backend);
        long k = 0;
        for (Param p : net.params()) {
            backend.copy(GradientChecker.gaussian(p.shape(), 0.5, 1000 + k++), p.data());
        }
        return net;
    }

    private static Map<String, Tensor> inputs() {
        return Map.of("data", GradientChecker.gaussian(Shape.of(2, 3, 6, 6), 1.0, 1),
                "label", Tensor.wrap(Shape.of(2), new float[] {2, 0}));
    }

    /**
     * The net with TanH in place of the ReLU: a step of a first-layer weight moves dozens of ReLU inputs, some of
     * them across the kink, which no per-element skipping can prevent; TanH keeps the objective smooth.
     */
    private Net smooth(String text) {
        return build(text.replace("name: \"relu1\" type: \"ReLU\"", "name: \"relu1\" type: \"TanH\""));
    }

    @Test
    void parameterGradientsOfTheWholeNetSumOverBothReadersOfABlob() {
        new GradientChecker(backend).checkNet(smooth(NET), inputs(), 12);
    }

    /**
     * conv1 is read by its in-place ReLU alone, so the two share one gradient tensor (the ReLU writes conv1's
     * gradient over its own top's, after both branches have added theirs). With a second reader of conv1 (a
     * Flatten whose output leads to no loss, so it adds nothing) they do not; the loss, conv1's gradient and every
     * parameter gradient are the same bits either way.
     */
    @Test
    void anInPlaceReLUWritesItsBottomsGradientOverItsTops() {
        Net shared = build(NET);
        Net separate = build(NET.replace("""
                layer { name: "relu1" type: "ReLU" bottom: "conv1" top: "conv1" }
                """, """
                layer { name: "peek" type: "Flatten" bottom: "conv1" top: "peek" }
                layer { name: "relu1" type: "ReLU" bottom: "conv1" top: "conv1" }
                """));
        shared.clearParamDiffs();
        separate.clearParamDiffs();
        assertEquals(separate.forwardBackward(inputs()), shared.forwardBackward(inputs()));
        Tensor conv1 = shared.topDiffOf(shared.indexOf("conv1"), 0);
        assertSame(conv1, shared.topDiffOf(shared.indexOf("relu1"), 0));
        assertNotSame(separate.topDiffOf(separate.indexOf("conv1"), 0),
                separate.topDiffOf(separate.indexOf("relu1"), 0));
        assertArrayEquals(separate.topDiffOf(separate.indexOf("conv1"), 0).hostData(), conv1.hostData());
        for (int i = 0; i < shared.params().size(); i++) {
            assertArrayEquals(separate.params().get(i).diffOrNull().hostData(),
                    shared.params().get(i).diffOrNull().hostData(), "parameter " + i);
        }
    }

    @Test
    void frozenBottomIsPrunedAndAccuracyNeverRunsBackward() {
        Net net = build(NET.replace("""
                layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1"
                """, """
                layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1"
                        param { lr_mult: 0 } param { lr_mult: 0 }
                """));
        Param frozen = net.layer("conv1").params().get(0);
        float[] before = frozen.data().hostData().clone();
        net.clearParamDiffs();
        net.forwardBackward(inputs());
        assertEquals(0, net.backwardRuns("conv1"), "nothing below conv1 needs a gradient");
        assertEquals(0, net.backwardRuns("relu1"), "conv1's output needs no gradient: its ReLU is pruned");
        assertEquals(0, net.backwardRuns("acc"), "Accuracy leads to no loss");
        assertEquals(1, net.backwardRuns("a"));
        assertEquals(1, net.backwardRuns("loss"));
        assertNull(frozen.diffOrNull(), "a frozen parameter gets no gradient at all");
        assertNull(net.topDiffOf(net.indexOf("relu1"), 0), "no gradient is computed for conv1's output");
        assertTrue(java.util.Arrays.equals(before, frozen.data().hostData()));
    }

    @Test
    void frozenNetStillChecksTheTrainedPart() {
        Net net = smooth(NET.replace("""
                layer { name: "a" type: "Convolution" bottom: "conv1" top: "a"
                """, """
                layer { name: "a" type: "Convolution" bottom: "conv1" top: "a" param { lr_mult: 0 }
                """));
        new GradientChecker(backend).checkNet(net, inputs(), 12);
        assertEquals(1, net.backwardRuns("a"), "a's weight is frozen, but its bias and conv1 below it learn");
    }

    @Test
    void lossIsTheWeightedSumOfLossTops() {
        Net net = build(NET.replace("top: \"loss\" }", "top: \"loss\" loss_weight: 2.5 }"));
        net.forward(inputs());
        float plain = net.blob("loss").hostData()[0];
        assertEquals(2.5 * plain, net.loss(), 1e-6);
    }
}

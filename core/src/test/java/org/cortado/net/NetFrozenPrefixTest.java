package org.cortado.net;

import static org.cortado.net.FusionTesting.assertBitsEqual;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.cortado.backend.cpu.CpuBackend;
import org.cortado.layers.Param;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;
import org.cortado.testing.GradientChecker;
import org.junit.jupiter.api.Test;

/**
 * A training pass over a frozen prefix keeps nothing for a backward that will not run: MAX pooling there takes no
 * argmax, and a concat whose writers are all frozen is written in place. The loss and every gradient stay the bits
 * of the layer-by-layer pass, and unfreezing between forward and backward is refused by name.
 */
class NetFrozenPrefixTest {
    /**
     * conv1 -> pool1 -> a fire module (e1, e3, cat1) -> pool2 -> fc, frozen through cat1: only fc learns, so backward
     * prunes both poolings and the concat.
     */
    private static final String NET = """
            name: "frozen"
            layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 2 dim: 3 dim: 11 dim: 11 } } }
            layer { name: "label" type: "Input" top: "label" input_param { shape { dim: 2 } } }
            layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1"
                    convolution_param { num_output: 4 kernel_size: 3 pad: 1 } }
            layer { name: "relu1" type: "ReLU" bottom: "conv1" top: "conv1" }
            layer { name: "pool1" type: "Pooling" bottom: "conv1" top: "pool1"
                    pooling_param { pool: MAX kernel_size: 3 stride: 2 } }
            layer { name: "e1" type: "Convolution" bottom: "pool1" top: "e1" convolution_param { num_output: 3 kernel_size: 1 } }
            layer { name: "relu_e1" type: "ReLU" bottom: "e1" top: "e1" }
            layer { name: "e3" type: "Convolution" bottom: "pool1" top: "e3"
                    convolution_param { num_output: 2 kernel_size: 3 pad: 1 } }
            layer { name: "relu_e3" type: "ReLU" bottom: "e3" top: "e3" }
            layer { name: "cat1" type: "Concat" bottom: "e1" bottom: "e3" top: "cat1" }
            layer { name: "pool2" type: "Pooling" bottom: "cat1" top: "pool2"
                    pooling_param { pool: MAX kernel_size: 3 stride: 2 } }
            layer { name: "fc" type: "InnerProduct" bottom: "pool2" top: "fc" inner_product_param { num_output: 3 } }
            layer { name: "loss" type: "SoftmaxWithLoss" bottom: "fc" bottom: "label" top: "loss" }
            """;
    private static final List<String> FROZEN = List.of("conv1", "e1", "e3");

    private final CpuBackend backend = new CpuBackend(2);

    private Net build(boolean inPlace) {
        Net net = FusionTesting.trainingNet(NET, backend, 300);
        net.fuseReLUs();
        if (inPlace) {
            assertEquals(List.of("cat1"), net.writeConcatsInPlace());
        }
        for (String layer : FROZEN) {
            setLearning(net, layer, false);
        }
        return net;
    }

    private static void setLearning(Net net, String layer, boolean learning) {
        for (Param p : net.layer(layer).params()) {
            p.setLrMult(learning ? 1f : 0f);
        }
    }

    private static Map<String, Tensor> inputs(long seed) {
        return Map.of("data", GradientChecker.gaussian(Shape.of(2, 3, 11, 11), 1.0, seed),
                "label", Tensor.wrap(Shape.of(2), new float[] {2, 0}));
    }

    @Test
    void theLossAndGradientsAreThoseOfTheLayerByLayerPass() {
        Net plain = build(false);
        Net lean = build(true);
        for (long seed : new long[] {1, 2}) {
            plain.clearParamDiffs();
            lean.clearParamDiffs();
            assertEquals(plain.forwardBackward(inputs(seed)), lean.forwardBackward(inputs(seed)));
            for (String blob : List.of("cat1", "pool2", "fc")) {
                assertBitsEqual("seed " + seed + ", " + blob, plain.blob(blob), lean.blob(blob));
            }
            for (int i = 0; i < plain.params().size(); i++) {
                Param p = plain.params().get(i);
                Tensor want = p.diffOrNull();
                Tensor got = lean.params().get(i).diffOrNull();
                if (want == null) {
                    assertNull(got, p.name());
                } else {
                    assertBitsEqual("seed " + seed + ", gradient of " + p.name(), want, got);
                }
            }
        }
        assertEquals(0, lean.backwardRuns("pool1"), "the frozen poolings' backward never runs");
        assertEquals(0, lean.backwardRuns("pool2"));
        assertEquals(2, lean.backwardRuns("fc"));
    }

    @Test
    void unfreezingBetweenForwardAndBackwardIsRefusedByName() {
        Net net = build(true);
        net.forward(inputs(3));
        setLearning(net, "conv1", true);
        IllegalStateException e = assertThrows(IllegalStateException.class, net::backward);
        assertTrue(e.getMessage().contains("'conv1'") && e.getMessage().contains("run forward again"), e.getMessage());
        // A forward after the change keeps what backward now needs: pool1's argmax, e1's and e3's own outputs.
        Net plain = build(false);
        setLearning(plain, "conv1", true);
        assertEquals(plain.forwardBackward(inputs(3)), net.forwardBackward(inputs(3)));
        for (String layer : List.of("conv1", "e1", "e3")) {
            assertBitsEqual(layer + "'s output gradient", plain.topDiffOf(plain.indexOf(layer), 0),
                    net.topDiffOf(net.indexOf(layer), 0));
        }
        assertBitsEqual("conv1's weight gradient", plain.layer("conv1").params().get(0).diffOrNull(),
                net.layer("conv1").params().get(0).diffOrNull());
        assertEquals(1, net.backwardRuns("pool1"));
    }
}

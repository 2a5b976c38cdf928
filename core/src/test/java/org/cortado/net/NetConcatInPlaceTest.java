package org.cortado.net;

import static org.cortado.net.FusionTesting.assertBitsEqual;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.cortado.backend.ConvGeometry;
import org.cortado.backend.cpu.CpuBackend;
import org.cortado.caffe.Prototxt;
import org.cortado.caffe.proto.Caffe.NetParameter;
import org.cortado.layers.Param;
import org.cortado.layers.Phase;
import org.cortado.net.proto.NetProtos;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;
import org.cortado.testing.GradientChecker;
import org.cortado.testing.SharedData;
import org.junit.jupiter.api.Test;

/**
 * {@link Net#writeConcatsInPlace}: which concats qualify, and that a net writing them in place computes what the
 * layer-by-layer net does, to the bit: at test time (SqueezeNet's eight fire modules, and passes that stop or start
 * inside a group), and in training, which runs layer by layer.
 */
class NetConcatInPlaceTest {
    /**
     * cat1's bottoms are convolutions fused with their in-place ReLUs, cat2's plain convolutions read by nothing
     * else: both qualify. cat3 has a pooling among its bottoms, and cat4 a convolution that a ReLU reads too: neither does.
     */
    static final String NET = """
            name: "concats"
            layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 2 dim: 3 dim: 7 dim: 7 } } }
            layer { name: "label" type: "Input" top: "label" input_param { shape { dim: 2 } } }
            layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1"
                    convolution_param { num_output: 5 kernel_size: 3 pad: 1 } }
            layer { name: "relu1" type: "ReLU" bottom: "conv1" top: "conv1" }
            layer { name: "e1" type: "Convolution" bottom: "conv1" top: "e1" convolution_param { num_output: 3 kernel_size: 1 } }
            layer { name: "relu_e1" type: "ReLU" bottom: "e1" top: "e1" }
            layer { name: "e3" type: "Convolution" bottom: "conv1" top: "e3"
                    convolution_param { num_output: 4 kernel_size: 3 pad: 1 } }
            layer { name: "relu_e3" type: "ReLU" bottom: "e3" top: "e3" }
            layer { name: "cat1" type: "Concat" bottom: "e1" bottom: "e3" top: "cat1" }
            layer { name: "p1" type: "Convolution" bottom: "cat1" top: "p1" convolution_param { num_output: 2 kernel_size: 1 } }
            layer { name: "p2" type: "Convolution" bottom: "cat1" top: "p2"
                    convolution_param { num_output: 3 kernel_size: 3 pad: 1 } }
            layer { name: "cat2" type: "Concat" bottom: "p1" bottom: "p2" top: "cat2" }
            layer { name: "q" type: "Convolution" bottom: "cat2" top: "q" convolution_param { num_output: 2 kernel_size: 1 } }
            layer { name: "relu_q" type: "ReLU" bottom: "q" top: "q" }
            layer { name: "pool" type: "Pooling" bottom: "cat2" top: "pool"
                    pooling_param { pool: MAX kernel_size: 3 stride: 1 pad: 1 } }
            layer { name: "cat3" type: "Concat" bottom: "q" bottom: "pool" top: "cat3" }
            layer { name: "r" type: "Convolution" bottom: "cat3" top: "r" convolution_param { num_output: 2 kernel_size: 1 } }
            layer { name: "r_reader" type: "ReLU" bottom: "r" top: "r_relu" }
            layer { name: "cat4" type: "Concat" bottom: "r" bottom: "cat3" top: "cat4" }
            layer { name: "fc" type: "InnerProduct" bottom: "cat4" top: "fc" inner_product_param { num_output: 3 } }
            layer { name: "loss" type: "SoftmaxWithLoss" bottom: "fc" bottom: "label" top: "loss" }
            """;

    private final CpuBackend backend = new CpuBackend(2);

    private Net build(boolean inPlace) {
        Net net = FusionTesting.trainingNet(NET, backend, 2000);
        if (inPlace) {
            net.fuseReLUs();
            assertEquals(List.of("cat1", "cat2"), net.writeConcatsInPlace());
        }
        return net;
    }

    private static Map<String, Tensor> inputs(long seed) {
        return Map.of("data", GradientChecker.gaussian(Shape.of(2, 3, 7, 7), 1.0, seed),
                "label", Tensor.wrap(Shape.of(2), new float[] {1, 2}));
    }

    @Test
    void atTestTimeEveryBlobAfterTheGroupsIsTheSameToTheBit() {
        Net plain = build(false);
        Net inPlace = build(true);
        plain.setMode(Phase.TEST);
        inPlace.setMode(Phase.TEST);
        for (long seed : new long[] {1, 2}) {
            plain.forward(inputs(seed));
            inPlace.forward(inputs(seed));
            for (String blob : List.of("cat1", "cat2", "cat3", "cat4", "fc", "loss")) {
                assertBitsEqual("seed " + seed + ", blob " + blob, plain.blob(blob), inPlace.blob(blob));
            }
        }
    }

    @Test
    void passesThatStopOrStartInsideAGroupRunLayerByLayer() {
        Net plain = build(false);
        Net inPlace = build(true);
        plain.setMode(Phase.TEST);
        inPlace.setMode(Phase.TEST);
        plain.forward(inputs(3));
        inPlace.forwardTo(inputs(3), "relu_e3");
        assertBitsEqual("e1 of a pass that stops before cat1", plain.blob("e1"), inPlace.blob("e1"));
        assertBitsEqual("e3 of a pass that stops before cat1", plain.blob("e3"), inPlace.blob("e3"));
        inPlace.forwardFrom("e3");   // e1 was written to its own tensor above, e3 is recomputed: cat1 must copy
        assertBitsEqual("cat1 of a pass from e3", plain.blob("cat1"), inPlace.blob("cat1"));
        assertBitsEqual("loss of a pass from e3", plain.blob("loss"), inPlace.blob("loss"));
    }

    @Test
    void trainingRunsLayerByLayerWithTheSameGradients() {
        Net plain = build(false);
        Net inPlace = build(true);
        assertEquals(plain.forwardBackward(inputs(4)), inPlace.forwardBackward(inputs(4)));
        for (int i = 0; i < plain.params().size(); i++) {
            Param p = plain.params().get(i);
            assertBitsEqual(p.name() + " gradient", p.diffOrNull(), inPlace.params().get(i).diffOrNull());
        }
        assertBitsEqual("e1 in training", plain.blob("e1"), inPlace.blob("e1"));
    }

    @Test
    void aWindowThatDoesNotFitIsRefusedWithBothShapes() {
        ConvGeometry g = new ConvGeometry(2, 3, 5, 5, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1);
        Tensor in = Tensor.zeros(Shape.of(2, 3, 5, 5));
        Tensor w = Tensor.zeros(Shape.of(4, 3, 3, 3));
        var e = assertThrows(IllegalArgumentException.class,
                () -> backend.convolutionForwardInto(g, in, w, null, false, Tensor.zeros(Shape.of(2, 6, 5, 5)), 3));
        assertTrue(e.getMessage().contains("(2, 4, 5, 5)") && e.getMessage().contains("(2, 6, 5, 5)")
                && e.getMessage().contains("from 3"), e.getMessage());
    }

    /**
     * GoogLeNet (bvlc_googlenet's deploy net, He-scaled random weights, batch 1): its nine inception concats, four
     * branches each, written in place with every ReLU fused, give the same scores to the bit.
     */
    @Test
    void googLeNetGivesTheSameScoresToTheBit() {
        var deploy = SharedData.require("models/caffe/bvlc_googlenet/deploy.prototxt");
        NetParameter def = Prototxt.readNet(deploy);
        CpuBackend cpu = new CpuBackend();
        Net plain = NetProtos.build(def, Phase.TEST, cpu);
        Net inPlace = NetProtos.build(def, Phase.TEST, cpu);
        long seed = 0;
        for (int i = 0; i < plain.params().size(); i++) {
            Shape s = plain.params().get(i).shape();
            Tensor values = GradientChecker.gaussian(s, s.rank() > 1 ? Math.sqrt(2.0 / (s.count() / s.dim(0))) : 0.1,
                    seed++);
            plain.params().get(i).setData(values);
            inPlace.params().get(i).setData(values);
        }
        assertEquals(57, inPlace.fuseReLUs().size());
        List<String> concats = inPlace.writeConcatsInPlace();
        assertEquals(9, concats.size(), concats.toString());
        String input = plain.inputNames().get(0);
        Tensor x = GradientChecker.gaussian(plain.inputShape(input).withDim(0, 1), 50.0, 7);
        plain.forward(Map.of(input, x));
        inPlace.forward(Map.of(input, x));
        for (String blob : List.of("inception_3a/output", "inception_5b/output", "loss3/classifier", "prob")) {
            assertBitsEqual(blob, plain.blob(blob), inPlace.blob(blob));
        }
    }

    /** SqueezeNet v1.0 with its ReLUs fused and its eight fire concats written in place: the same codes to the bit. */
    @Test
    void squeezeNetGivesTheSameOutputsToTheBit() {
        var deploy = SharedData.require("models/squeezenet_v1.0/deploy.prototxt");
        var weights = SharedData.require("models/squeezenet_v1.0/squeezenet_v1.0.caffemodel");
        CpuBackend cpu = new CpuBackend();
        Net plain = LoadedNet.load(deploy, weights, Phase.TEST, cpu).net();
        Net inPlace = LoadedNet.load(deploy, weights, Phase.TEST, cpu).net();
        inPlace.fuseReLUs();
        List<String> concats = inPlace.writeConcatsInPlace();
        assertEquals(8, concats.size(), concats.toString());
        Tensor x = GradientChecker.gaussian(Shape.of(2, 3, 227, 227), 50.0, 6);
        String input = plain.inputNames().get(0);
        plain.forward(Map.of(input, x));
        inPlace.forward(Map.of(input, x));
        for (String blob : List.of("fire2/concat", "fire5/concat", "fire9/concat", "pool_final")) {
            assertBitsEqual(blob, plain.blob(blob), inPlace.blob(blob));
        }
    }
}

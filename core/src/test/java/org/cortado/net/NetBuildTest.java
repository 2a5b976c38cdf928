package org.cortado.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.cortado.backend.cpu.CpuBackend;
import org.cortado.caffe.CaffeWeights;
import org.cortado.caffe.LayerWeights;
import org.cortado.caffe.Prototxt;
import org.cortado.caffe.WeightBlob;
import org.cortado.caffe.proto.Caffe.NetParameter;
import org.cortado.layers.NetDefinitionException;
import org.cortado.layers.Phase;
import org.cortado.net.proto.NetProtos;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;
import org.junit.jupiter.api.Test;

class NetBuildTest {
    static NetParameter parse(String text) {
        NetParameter.Builder b = NetParameter.newBuilder();
        Prototxt.parseText("test.prototxt", text, b);
        return b.build();
    }

    static final String TINY = """
            name: "tiny"
            input: "data"
            input_dim: 1 input_dim: 2 input_dim: 4 input_dim: 4
            layer { name: "conv" type: "Convolution" bottom: "data" top: "conv"
                    convolution_param { num_output: 3 kernel_size: 3 pad: 1 } }
            layer { name: "relu" type: "ReLU" bottom: "conv" top: "conv" }
            layer { name: "pool" type: "Pooling" bottom: "conv" top: "pool"
                    pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
            layer { name: "fc" type: "InnerProduct" bottom: "pool" top: "fc" inner_product_param { num_output: 2 } }
            layer { name: "prob" type: "Softmax" bottom: "fc" top: "prob" }
            """;

    @Test
    void legacyInputFieldsBecomeAnInputLayerAndShapesFlow() {
        Net net = NetProtos.build(parse(TINY), Phase.TEST, new CpuBackend(1));
        assertEquals(List.of("data"), net.inputNames());
        assertEquals(Shape.of(1, 2, 4, 4), net.inputShape("data"));
        assertEquals(Shape.of(1, 3, 4, 4), net.topShapesOf(net.indexOf("conv")).get(0));
        assertEquals(Shape.of(1, 3, 2, 2), net.topShapesOf(net.indexOf("pool")).get(0));
        assertEquals(Shape.of(1, 2), net.topShapesOf(net.indexOf("prob")).get(0));
        net.setInputShape("data", Shape.of(5, 2, 4, 4));
        assertEquals(Shape.of(5, 2), net.blob("prob").shape());
    }

    @Test
    void inPlaceLayersKeepTheirOwnOutputWhileTheBlobIsTheLastWriters() {
        Net net = NetProtos.build(parse(TINY), Phase.TEST, new CpuBackend(1));
        // Weights that make the convolution output negative somewhere: bias -1, zero weights.
        net.layer("conv").params().get(1).data().hostData()[0] = -1f;
        net.forward(Map.of("data", Tensor.zeros(Shape.of(1, 2, 4, 4))));
        assertEquals(-1f, net.output("conv").hostData()[0]);
        assertEquals(0f, net.output("relu").hostData()[0]);
        assertEquals(0f, net.blob("conv").hostData()[0]);
        float[] prob = net.blob("prob").hostData();
        assertEquals(1f, prob[0] + prob[1], 1e-6);
    }

    @Test
    void unknownLayerTypeNamesLayerAndListsSupportedTypes() {
        var e = assertThrows(NetDefinitionException.class, () -> NetProtos.build(parse("""
                input: "data" input_dim: 1 input_dim: 1 input_dim: 2 input_dim: 2
                layer { name: "weird" type: "Frobnicate" bottom: "data" top: "x" }
                """), Phase.TEST, new CpuBackend(1)));
        assertTrue(e.getMessage().contains("'weird'") && e.getMessage().contains("'Frobnicate'")
                && e.getMessage().contains("Convolution"), e.getMessage());
    }

    @Test
    void uint32FieldsPastIntRangeAndGroupZeroAreNamed() {
        // Found by the Prototxt fuzz target: group 0 divided by zero; uint32 pads past 2^31-1 read negative.
        var group = assertThrows(NetDefinitionException.class, () -> NetProtos.build(parse("""
                input: "data" input_dim: 1 input_dim: 2 input_dim: 4 input_dim: 4
                layer { name: "c" type: "Convolution" bottom: "data" top: "c"
                        convolution_param { num_output: 2 kernel_size: 3 group: 0 } }
                """), Phase.TEST, new CpuBackend(1)));
        assertTrue(group.getMessage().contains("layer 'c' (Convolution)") && group.getMessage().contains("group"),
                group.getMessage());
        var convPad = assertThrows(NetDefinitionException.class, () -> NetProtos.build(parse("""
                input: "data" input_dim: 1 input_dim: 2 input_dim: 4 input_dim: 4
                layer { name: "c" type: "Convolution" bottom: "data" top: "c"
                        convolution_param { num_output: 2 kernel_size: 3 pad: 4294967295 } }
                """), Phase.TEST, new CpuBackend(1)));
        assertTrue(convPad.getMessage().contains("layer 'c' (Convolution)")
                && convPad.getMessage().contains("4294967295"), convPad.getMessage());
        var poolPad = assertThrows(NetDefinitionException.class, () -> NetProtos.build(parse("""
                input: "data" input_dim: 1 input_dim: 2 input_dim: 4 input_dim: 4
                layer { name: "p" type: "Pooling" bottom: "data" top: "p"
                        pooling_param { pool: MAX kernel_size: 3 pad: 4294967295 } }
                """), Phase.TEST, new CpuBackend(1)));
        assertTrue(poolPad.getMessage().contains("layer 'p' (Pooling)")
                && poolPad.getMessage().contains("4294967295"), poolPad.getMessage());
    }

    @Test
    void bottomNeverProducedIsNamed() {
        var e = assertThrows(NetDefinitionException.class, () -> NetProtos.build(parse("""
                input: "data" input_dim: 1 input_dim: 1 input_dim: 2 input_dim: 2
                layer { name: "relu" type: "ReLU" bottom: "nothing" top: "x" }
                """), Phase.TEST, new CpuBackend(1)));
        assertTrue(e.getMessage().contains("layer 'relu' (ReLU)") && e.getMessage().contains("'nothing'"),
                e.getMessage());
    }

    @Test
    void phaseRulesFilterLayers() {
        String text = """
                input: "data" input_dim: 1 input_dim: 1 input_dim: 2 input_dim: 2
                layer { name: "a" type: "ReLU" bottom: "data" top: "a" include { phase: TRAIN } }
                layer { name: "b" type: "ReLU" bottom: "data" top: "b" exclude { phase: TRAIN } }
                """;
        Net test = NetProtos.build(parse(text), Phase.TEST, new CpuBackend(1));
        assertTrue(test.hasBlob("b") && !test.hasBlob("a"));
    }

    @Test
    void weightsAreMatchedByNameWithShapesChecked() {
        Net net = NetProtos.build(parse(TINY), Phase.TEST, new CpuBackend(1));
        var conv = new LayerWeights("conv", "Convolution", List.of(
                new WeightBlob(Shape.of(3, 2, 3, 3), false, new float[54]),
                new WeightBlob(Shape.of(3), false, new float[] {1, 2, 3})));
        // fc's weights stored the legacy V1 way: (1, 1, N, K) and (1, 1, 1, N).
        var fc = new LayerWeights("fc", "InnerProduct", List.of(
                new WeightBlob(Shape.of(1, 1, 2, 12), true, new float[24]),
                new WeightBlob(Shape.of(1, 1, 1, 2), true, new float[] {5, 6})));
        var extra = new LayerWeights("loss", "SoftmaxWithLoss", List.of(new WeightBlob(Shape.of(1), false, new float[1])));
        List<String> ignored = NetWeights.copy(new CaffeWeights(null, "tiny", List.of(conv, fc, extra)), net);
        assertEquals(List.of("loss"), ignored);
        assertEquals(2f, net.layer("conv").params().get(1).data().hostData()[1]);
        assertEquals(6f, net.layer("fc").params().get(1).data().hostData()[1]);

        var wrong = new LayerWeights("conv", "Convolution", List.of(
                new WeightBlob(Shape.of(3, 2, 5, 5), false, new float[150]),
                new WeightBlob(Shape.of(3), false, new float[3])));
        var e = assertThrows(NetDefinitionException.class,
                () -> NetWeights.copy(new CaffeWeights(null, "tiny", List.of(wrong, fc)), net));
        assertTrue(e.getMessage().contains("layer 'conv' (Convolution)") && e.getMessage().contains("(3, 2, 5, 5)")
                && e.getMessage().contains("(3, 2, 3, 3)"), e.getMessage());

        var missing = assertThrows(NetDefinitionException.class,
                () -> NetWeights.copy(new CaffeWeights(null, "tiny", List.of(conv)), net));
        assertTrue(missing.getMessage().contains("layer 'fc' (InnerProduct): no weights"), missing.getMessage());
        assertEquals(List.of(), NetWeights.copy(new CaffeWeights(null, "tiny", List.of(conv)), net, Set.of("fc")));
    }

    @Test
    void truncationKeepsAncestorsAndInPlaceFollowers() {
        NetParameter def = NetDefinitions.normalize(parse(TINY), Phase.TEST);
        NetParameter cut = NetDefinitions.truncateAfter(def, "conv", true);
        assertEquals(List.of("input", "conv", "relu"), cut.getLayerList().stream().map(l -> l.getName()).toList());
        NetParameter pre = NetDefinitions.truncateAfter(def, "conv", false);
        assertEquals(List.of("input", "conv"), pre.getLayerList().stream().map(l -> l.getName()).toList());
    }
}

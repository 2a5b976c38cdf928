package org.cortado.finetune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.cortado.backend.cpu.CpuBackend;
import org.cortado.caffe.CaffeModelReader;
import org.cortado.caffe.Prototxt;
import org.cortado.caffe.proto.Caffe.NetParameter;
import org.cortado.layers.BatchNormLayer;
import org.cortado.layers.NetDefinitionException;
import org.cortado.layers.Param;
import org.cortado.layers.Phase;
import org.cortado.net.Net;
import org.cortado.net.NetDefinition;
import org.cortado.net.NetWeights;
import org.cortado.net.proto.NetProtos;
import org.cortado.testing.SharedData;
import org.cortado.testing.TinyNets;
import org.junit.jupiter.api.Test;

class NetSurgeryTest {
    private final CpuBackend backend = new CpuBackend(1);

    @Test
    void replacedClassifierHasTheNewWidthAndNameAndNoWeightsCopiedIntoIt() {
        NetDefinition def = NetSurgery.replaceLayer(TinyNets.deploy(), "conv_final", 2, "head",
                NetSurgery.DEFAULT_WEIGHT_FILLER, NetSurgery.DEFAULT_BIAS_FILLER);
        var training = NetSurgery.forTraining(def, 4);
        Net net = Net.build(training.definition(), Phase.TRAIN, backend);
        assertEquals(org.cortado.tensor.Shape.of(2, 16, 1, 1), net.layer("head").params().get(0).shape());
        assertEquals("pool_final", training.scores());
        assertFalse(training.definition().hasLayer("prob"),
                "the deploy net's final Softmax gives way to the loss");
        assertEquals(4, net.inputShape("data").dim(0), "inputs take the batch size");
        assertEquals(4, net.inputShape(training.label()).dim(0));
    }

    @Test
    void replacingALayerOfAnotherTypeIsAnError() {
        var e = assertThrows(NetDefinitionException.class, () -> NetSurgery.replaceLayer(TinyNets.deploy(),
                "pool_final", 2, "x", NetSurgery.DEFAULT_WEIGHT_FILLER, NetSurgery.DEFAULT_BIAS_FILLER));
        assertTrue(e.getMessage().contains("pool_final") && e.getMessage().contains("Pooling"), e.getMessage());
        e = assertThrows(NetDefinitionException.class, () -> NetSurgery.replaceLayer(TinyNets.deploy(), "fc8", 2,
                "x", NetSurgery.DEFAULT_WEIGHT_FILLER, NetSurgery.DEFAULT_BIAS_FILLER));
        assertTrue(e.getMessage().contains("fc8"), e.getMessage());
    }

    @Test
    void freezingThroughALayerZeroesEveryMultiplierUpToIt() {
        Net net = Net.build(NetSurgery.forTraining(TinyNets.deploy(), 2).definition(), Phase.TRAIN, backend);
        int frozen = NetSurgery.freezeThrough(net, "fire/squeeze");
        assertEquals(4, frozen, "conv1 and fire/squeeze, weight and bias each");
        for (String l : List.of("conv1", "fire/squeeze")) {
            for (Param p : net.layer(l).params()) {
                assertEquals(0f, p.lrMult());
                assertEquals(0f, p.decayMult());
            }
        }
        assertTrue(net.layer("fire/e1").params().get(0).isLearned());
    }

    @Test
    void freezingKeepsBatchNormOnItsStoredStatistics() {
        NetParameter.Builder b = NetParameter.newBuilder();
        Prototxt.parseText("bn net", """
                layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 2 dim: 3 dim: 4 dim: 4 } } }
                layer { name: "bn" type: "BatchNorm" bottom: "data" top: "bn" }
                layer { name: "fc" type: "InnerProduct" bottom: "bn" top: "fc" inner_product_param { num_output: 2 } }
                """, b);
        Net net = NetProtos.build(b.build(), Phase.TRAIN, backend);
        BatchNormLayer bn = (BatchNormLayer) net.layer("bn");
        assertFalse(bn.usesGlobalStats(Phase.TRAIN));
        NetSurgery.freezeThrough(net, "bn");
        assertTrue(bn.usesGlobalStats(Phase.TRAIN));
    }

    @Test
    void multipliersFromSqueezeNetsTrainVal() {
        Path dir = SharedData.require("models/squeezenet_v1.0");
        NetDefinition deploy = NetDefinition.read(dir.resolve("deploy.prototxt"));
        NetDefinition replaced = NetSurgery.replaceLayer(deploy, "conv_final", 2, "conv_final_ft",
                NetSurgery.DEFAULT_WEIGHT_FILLER, NetSurgery.DEFAULT_BIAS_FILLER);
        Net net = Net.build(NetSurgery.forTraining(replaced, 1).definition(), Phase.TRAIN, backend);
        NetWeights.copy(CaffeModelReader.read(dir.resolve("squeezenet_v1.0.caffemodel")), net, Set.of("conv_final_ft"));
        net.layer("conv1").params().get(0).setLrMult(7f);
        List<String> missing = NetSurgery.applyMultipliers(net,
                NetDefinition.read(dir.resolve("train_val.prototxt")));
        assertEquals(List.of("conv_final_ft"), missing, "only the new layer is not in train_val");
        // SqueezeNet's train_val gives no param specs: Caffe's defaults, lr_mult 1 and decay_mult 1.
        assertEquals(1f, net.layer("conv1").params().get(0).lrMult());
        assertEquals(1f, net.layer("fire9/conv3x3_2").params().get(1).decayMult());
    }

    @Test
    void multipliersFromATrainValWithParamSpecs() {
        NetDefinition tv = NetDefinition.parse("train_val", """
                layer { name: "conv1" type: "Convolution" param { lr_mult: 0.5 decay_mult: 2 } param { lr_mult: 3 decay_mult: 0 }
                        convolution_param { num_output: 8 kernel_size: 3 } }
                """);
        Net net = Net.build(NetSurgery.forTraining(TinyNets.deploy(), 2).definition(), Phase.TRAIN, backend);
        NetSurgery.applyMultipliers(net, tv);
        List<Param> p = net.layer("conv1").params();
        assertEquals(0.5f, p.get(0).lrMult());
        assertEquals(2f, p.get(0).decayMult());
        assertEquals(3f, p.get(1).lrMult());
        assertEquals(0f, p.get(1).decayMult());
    }

    @Test
    void standardisationGoesRightBeforeTheClassifier() {
        NetDefinition def = NetSurgery.insertStandardization(NetSurgery.replaceLayer(TinyNets.deploy(), "conv_final",
                2, "head", NetSurgery.DEFAULT_WEIGHT_FILLER, NetSurgery.DEFAULT_BIAS_FILLER), "head");
        Net net = Net.build(def, Phase.TEST, backend);
        int scale = net.indexOf("head/standardize");
        assertEquals(scale + 1, net.indexOf("head"));
        assertEquals(scale, net.producerOf(net.indexOf("head"), 0)[0]);
        for (Param p : net.layer("head/standardize").params()) {
            assertFalse(p.isLearned(), "the standardisation is fixed");
        }
        assertEquals(16, net.layer("head/standardize").params().get(0).shape().count(), "one scale per channel");
    }
}

package org.cortado.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.cortado.backend.cpu.CpuBackend;
import org.cortado.caffe.Prototxt;
import org.cortado.caffe.proto.Caffe.NetParameter;
import org.cortado.layers.Phase;
import org.cortado.net.proto.NetProtos;
import org.cortado.tensor.Shape;
import org.cortado.testing.SharedData;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every Model Zoo prototxt in ../shared parses strictly, and every deploy net builds with Caffe's shapes. */
class ModelZooDefinitionsTest {
    @ParameterizedTest
    @ValueSource(strings = {"bvlc_alexnet", "bvlc_reference_caffenet", "bvlc_googlenet", "finetune_flickr_style"})
    void deployNetsBuildAndTrainValNetsParse(String model) throws Exception {
        Path dir = SharedData.require("models/caffe/" + model);
        Net net = NetProtos.build(Prototxt.readNet(dir.resolve("deploy.prototxt")), Phase.TEST, new CpuBackend(1));
        Shape out = net.topShapesOf(net.layers().size() - 1).get(0);
        int classes = model.equals("finetune_flickr_style") ? 20 : 1000;
        assertEquals(Shape.of(net.inputShape(net.inputNames().get(0)).dim(0), classes), out);
        NetParameter trainVal = Prototxt.readNet(dir.resolve("train_val.prototxt"));
        assertTrue(trainVal.getLayerCount() > net.layers().size() - 2);
        Prototxt.readSolver(dir.resolve("solver.prototxt"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"models/squeezenet_v1.0/deploy.prototxt", "models/tiny/caffenet_narrow_deploy.prototxt"})
    void sharedDeployNetsBuild(String file) {
        Net net = NetProtos.build(Prototxt.readNet(SharedData.require(file)), Phase.TEST, new CpuBackend(1));
        assertEquals(1000, net.topShapesOf(net.layers().size() - 1).get(0).dim(1));
    }
}

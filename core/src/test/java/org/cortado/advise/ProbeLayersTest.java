package org.cortado.advise;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.cortado.backend.cpu.CpuBackend;
import org.cortado.caffe.proto.Caffe.NetParameter;
import org.cortado.layers.Phase;
import org.cortado.net.proto.NetProtos;
import org.cortado.testing.SharedData;
import org.junit.jupiter.api.Test;

/** The default probe layers of the Model Zoo nets: the ends of their blocks, in depth order. */
class ProbeLayersTest {
    private static List<String> defaults(String deploy) {
        NetParameter net = NetProtos.readNormalized(SharedData.require(deploy), Phase.TEST);
        return ProbeLayers.defaults(net, new CpuBackend(1));
    }

    @Test
    void squeezeNetGivesItsPoolingsFireModulesAndConvFinal() {
        assertEquals(List.of("pool1", "fire2/concat", "fire3/concat", "fire4/concat", "pool4", "fire5/concat",
                "fire6/concat", "fire7/concat", "fire8/concat", "pool8", "fire9/concat", "conv_final"),
                defaults("models/squeezenet_v1.0/deploy.prototxt"));
    }

    @Test
    void caffeNetAndAlexNetGiveTheirPoolingsAndTheReluDFullyConnectedLayers() {
        assertEquals(List.of("pool1", "pool2", "pool5", "fc6", "fc7"),
                defaults("models/caffe/bvlc_reference_caffenet/deploy.prototxt"));
        assertEquals(List.of("pool1", "pool2", "pool5", "fc6", "fc7"),
                defaults("models/caffe/bvlc_alexnet/deploy.prototxt"), "conv1 and conv2 end in LRN, then a pooling");
    }

    @Test
    void googLeNetGivesItsDownsamplingPoolingsAndInceptionOutputsNotTheBranchPoolings() {
        assertEquals(List.of("pool1/3x3_s2", "pool2/3x3_s2", "inception_3a/output", "inception_3b/output",
                "pool3/3x3_s2", "inception_4a/output", "inception_4b/output", "inception_4c/output",
                "inception_4d/output", "inception_4e/output", "pool4/3x3_s2", "inception_5a/output",
                "inception_5b/output"), defaults("models/caffe/bvlc_googlenet/deploy.prototxt"));
    }
}

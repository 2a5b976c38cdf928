package org.cortado.caffe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.cortado.caffe.proto.Caffe.DataParameter;
import org.cortado.caffe.proto.Caffe.LayerParameter;
import org.cortado.caffe.proto.Caffe.NetParameter;
import org.cortado.caffe.proto.Caffe.V1LayerParameter;
import org.cortado.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrototxtTest {
    @TempDir
    Path tmp;

    @Test
    void aSyntaxErrorNamesFileLineAndColumn() throws IOException {
        Path file = tmp.resolve("broken.prototxt");
        Files.writeString(file, "name: \"x\"\nlayer {\n  name: \"a\"\n  type: \"ReLU\"\n  botom: \"data\"\n}\n");
        CaffeFormatException e = assertThrows(CaffeFormatException.class, () -> Prototxt.readNet(file));
        assertTrue(e.getMessage().startsWith(file + ":5:3: "), e.getMessage());
        assertTrue(e.getMessage().contains("botom"), e.getMessage());

        Files.writeString(file, "layer {\n  name: \"a\"\n");
        e = assertThrows(CaffeFormatException.class, () -> Prototxt.readNet(file));
        assertTrue(e.getMessage().matches("\\Q" + file + "\\E:\\d+:\\d+: .*"), e.getMessage());

        assertTrue(assertThrows(CaffeFormatException.class, () -> Prototxt.readNet(tmp.resolve("no.prototxt")))
                .getMessage().endsWith("no.prototxt: no such file"));
    }

    @Test
    void everyV1LayerTypeHasAV2Name() {
        for (V1LayerParameter.LayerType t : V1LayerParameter.LayerType.values()) {
            if (t != V1LayerParameter.LayerType.NONE) {
                assertFalse(V1Upgrade.typeName(t, "x", "test").isEmpty(), t.toString());
            }
        }
    }

    @Test
    void theTinyV1NetUpgradesToV2() throws IOException {
        NetParameter v1 = ProtobufOracle.parseNet(SharedData.require("models/tiny/caffenet_narrow_v1.caffemodel"));
        assertTrue(V1Upgrade.needsUpgrade(v1));
        // The Model Zoo's V1 nets carry per-blob learning rates and decays, and transformation fields in data_param.
        V1LayerParameter conv1 = v1.getLayers(1).toBuilder()
                .addBlobsLr(1).addBlobsLr(2).addWeightDecay(1).addWeightDecay(0).build();
        V1LayerParameter data = v1.getLayers(0).toBuilder().setDataParam(DataParameter.newBuilder()
                .setSource("train_lmdb").setBatchSize(256).setCropSize(227).setMirror(true)
                .setMeanFile("mean.binaryproto")).build();
        NetParameter net = V1Upgrade.upgrade(v1.toBuilder().setLayers(0, data).setLayers(1, conv1).build(), "tiny");

        assertFalse(V1Upgrade.needsUpgrade(net));
        assertEquals(0, net.getLayersCount());
        List<String> types = net.getLayerList().stream().map(LayerParameter::getType).toList();
        assertEquals(List.of("Data", "Convolution", "ReLU", "Pooling", "LRN", "Convolution", "ReLU", "Pooling", "LRN",
                "Convolution", "ReLU", "Convolution", "ReLU", "Convolution", "ReLU", "Pooling", "InnerProduct", "ReLU",
                "Dropout", "InnerProduct", "ReLU", "Dropout", "InnerProduct", "SoftmaxWithLoss"), types);

        LayerParameter c1 = net.getLayer(1);
        assertEquals("conv1", c1.getName());
        assertEquals(List.of("data"), c1.getBottomList());
        assertEquals(2, c1.getBlobsCount());
        assertEquals(2, c1.getParamCount());
        assertEquals(1f, c1.getParam(0).getLrMult());
        assertEquals(2f, c1.getParam(1).getLrMult());
        assertEquals(1f, c1.getParam(0).getDecayMult());
        assertEquals(0f, c1.getParam(1).getDecayMult());
        assertEquals(11, c1.getConvolutionParam().getKernelSize(0));

        LayerParameter d = net.getLayer(0);
        assertEquals(227, d.getTransformParam().getCropSize());
        assertTrue(d.getTransformParam().getMirror());
        assertEquals("mean.binaryproto", d.getTransformParam().getMeanFile());
        assertFalse(d.getDataParam().hasCropSize());
        assertEquals("train_lmdb", d.getDataParam().getSource());
        assertEquals(List.of("data", "label"), d.getTopList());
    }
}

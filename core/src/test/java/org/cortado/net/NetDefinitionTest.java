package org.cortado.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.cortado.backend.cpu.CpuBackend;
import org.cortado.caffe.CaffeFormatException;
import org.cortado.layers.NetDefinitionException;
import org.cortado.layers.Phase;
import org.cortado.net.proto.NetProtos;
import org.cortado.testing.TinyNets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The API's net definition: reading, what it tells, the edits the recipes make, and writing it back. */
class NetDefinitionTest {
    private static final String TWO_PHASES = """
            name: "phases"
            layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 2 dim: 4 dim: 4 } } }
            layer { name: "conv" type: "Convolution" bottom: "data" top: "conv"
                    convolution_param { num_output: 3 kernel_size: 3 } }
            layer { name: "relu" type: "ReLU" bottom: "conv" top: "conv" }
            layer { name: "drop" type: "Dropout" bottom: "conv" top: "conv" include { phase: TRAIN } }
            layer { name: "fc" type: "InnerProduct" bottom: "conv" top: "fc" inner_product_param { num_output: 2 } }
            """;

    @TempDir
    Path dir;

    @Test
    void layersInOrderWithTheirTypesAndBlobs() {
        NetDefinition d = NetDefinition.parse(TWO_PHASES);
        assertEquals("phases", d.name());
        assertEquals(List.of("data", "conv", "relu", "drop", "fc"), d.layerNames());
        assertEquals(new NetDefinition.Layer("relu", "ReLU", List.of("conv"), List.of("conv")), d.layers().get(2));
        assertTrue(d.hasLayer("fc"));
        assertFalse(d.hasLayer("prob"));
        assertEquals("net 'phases' (5 layers)", d.toString());
    }

    @Test
    void normalisedForAPhaseKeepsTheLayersItAdmitsAndUpgradesLegacyInputs() {
        NetDefinition d = NetDefinition.parse(TWO_PHASES);
        assertEquals(List.of("data", "conv", "relu", "fc"), d.normalized(Phase.TEST).layerNames());
        assertEquals(List.of("data", "conv", "relu", "drop", "fc"), d.normalized(Phase.TRAIN).layerNames());
        NetDefinition test = d.normalized(Phase.TEST);
        assertSame(test, test.normalized(Phase.TEST), "normalised once");
        NetDefinition tiny = TinyNets.deploy();
        assertFalse(tiny.hasLayer("input"));
        assertEquals("Input", tiny.normalized(Phase.TEST).layers().get(0).type(), "legacy input fields as a layer");
    }

    @Test
    void truncatedAfterALayerKeepsWhatItNeedsAndItsInPlaceFollowers() {
        NetDefinition d = NetDefinition.parse(TWO_PHASES).normalized(Phase.TEST);
        assertEquals(List.of("data", "conv", "relu"), d.truncatedAfter("conv", true).layerNames());
        assertEquals(List.of("data", "conv"), d.truncatedAfter("conv", false).layerNames());
        var e = assertThrows(NetDefinitionException.class, () -> d.truncatedAfter("fc9", true));
        assertTrue(e.getMessage().contains("fc9") && e.getMessage().contains("phases"), e.getMessage());
    }

    @Test
    void writtenBackItReadsAsTheSameDefinitionAndBuilds() throws Exception {
        NetDefinition d = NetDefinition.parse(TWO_PHASES);
        Path f = dir.resolve("out/deploy.prototxt");
        d.writeTo(f);
        assertEquals(d.toPrototxt(), Files.readString(f));
        NetDefinition back = NetDefinition.read(f);
        assertEquals(d, back);
        assertEquals(d.hashCode(), back.hashCode());
        assertNotEquals(d, back.truncatedAfter("conv", false));
        Net net = Net.build(back, Phase.TEST, new CpuBackend(1));
        assertEquals(List.of("data", "conv", "relu", "fc"), net.definition().layerNames());
        assertEquals(NetProtos.proto(net.definition()), NetProtos.proto(d.normalized(Phase.TEST)));
    }

    @Test
    void legacyV1LayersAreUpgradedWhenParsed() {
        NetDefinition d = NetDefinition.parse("v1", """
                name: "old"
                layers { name: "data" type: DATA top: "data" }
                layers { name: "relu" type: RELU bottom: "data" top: "data" }
                """);
        assertEquals(List.of("Data", "ReLU"), d.layers().stream().map(NetDefinition.Layer::type).toList());
    }

    @Test
    void aMalformedPrototxtIsRefusedNamingItsSourceLineAndColumn() throws Exception {
        var e = assertThrows(CaffeFormatException.class, () -> NetDefinition.parse("my net", "layer { name: }"));
        assertTrue(e.getMessage().startsWith("my net:1:"), e.getMessage());
        Path missing = dir.resolve("none.prototxt");
        var m = assertThrows(CaffeFormatException.class, () -> NetDefinition.read(missing));
        assertEquals(missing + ": no such file", m.getMessage());
    }
}

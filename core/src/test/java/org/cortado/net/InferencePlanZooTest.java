package org.cortado.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.cortado.tensor.Tensor;
import org.cortado.testing.SharedData;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every Model Zoo deploy net (../shared's and bench/models'), planned for inference, computes what it computes layer by
 * layer: to the bit without folding, within OpenCV's tolerance with BatchNorm and Scale folded into the convolutions. The planned runs poison
 * every buffer with NaN once its last reader has run, so a layer that read memory the plan had given away would
 * show it.
 */
class InferencePlanZooTest {
    /** The tolerance of the OpenCV comparisons (docs/layers.md): 1e-5 of a value plus 1e-6 of the output's range. */
    private static final double REL = 1e-5;
    private static final double RANGE = 1e-6;

    @ParameterizedTest
    @ValueSource(strings = {"shared:models/caffe/bvlc_googlenet", "shared:models/squeezenet_v1.0",
        "repo:bench/models/squeezenet_v1.1", "repo:bench/models/nin", "repo:bench/models/resnet50"})
    void plannedNetsComputeTheLayerByLayerOutputs(String where) {
        assertPlannedNetComputesTheLayerByLayerOutputs(where);
    }

    /** The nets of hundreds of MB of weights: AlexNet and its kin, VGG-16 (half a GB). */
    @Tag("slow")
    @ParameterizedTest
    @ValueSource(strings = {"shared:models/caffe/bvlc_alexnet", "shared:models/caffe/bvlc_reference_caffenet",
        "shared:models/caffe/finetune_flickr_style", "repo:bench/models/vgg16"})
    void largePlannedNetsComputeTheLayerByLayerOutputs(String where) {
        assertPlannedNetComputesTheLayerByLayerOutputs(where);
    }

    private static void assertPlannedNetComputesTheLayerByLayerOutputs(String where) {
        Path deploy = deploy(where);
        Map<String, Tensor> weights = ZooNets.randomWeights(deploy, 7);
        Net plain = ZooNets.build(deploy, weights);
        List<String> outputs = ZooNets.outputLayers(plain);
        Tensor x = ZooNets.input(plain, 2, 11);
        plain.forward(Map.of(plain.inputNames().get(0), x));
        Map<String, float[]> want = new LinkedHashMap<>();
        for (String layer : outputs) {
            want.put(layer, values(plain.output(layer)));
        }

        for (boolean fold : new boolean[] {false, true}) {
            Net net = ZooNets.build(deploy, weights);
            MemoryReport report = net.planInference(InferenceRequest.layerOutputs(outputs).withFolding(fold)
                    .withPoison(true));
            assertTrue(report.plannedBytes() < report.layerByLayerBytes(), report.toString());
            net.forward(Map.of(net.inputNames().get(0), x));
            for (String layer : outputs) {
                float[] got = values(net.output(layer));
                if (fold && !report.folded().isEmpty()) {
                    assertClose(where + " " + layer, want.get(layer), got);
                } else {
                    assertBitsEqual(where + " " + layer + (fold ? " (nothing to fold)" : ""), want.get(layer), got);
                }
            }
            if (where.contains("resnet50") && fold) {
                assertEquals(2 * 53, report.folded().size(), "every BatchNorm and Scale folds: " + report.folded());
            }
        }
    }

    private static float[] values(Tensor t) {
        return java.util.Arrays.copyOf(t.hostData(), t.count());
    }

    private static Path deploy(String where) {
        String relative = where.substring(where.indexOf(':') + 1) + "/deploy.prototxt";
        if (where.startsWith("shared:")) {
            return SharedData.require(relative);
        }
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.exists(d.resolve(relative))) {
                return d.resolve(relative);
            }
        }
        Assumptions.abort(relative + " is not in the repository above " + Path.of("").toAbsolutePath());
        return null;
    }

    static void assertBitsEqual(String what, float[] want, float[] got) {
        assertEquals(want.length, got.length, what);
        for (int i = 0; i < want.length; i++) {
            if (Float.floatToRawIntBits(want[i]) != Float.floatToRawIntBits(got[i])) {
                throw new AssertionError(what + ": element " + i + " is " + got[i] + ", expected " + want[i]);
            }
        }
    }

    private static void assertClose(String what, float[] want, float[] got) {
        assertEquals(want.length, got.length, what);
        double min = Double.MAX_VALUE;
        double max = -Double.MAX_VALUE;
        for (float v : want) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        for (int i = 0; i < want.length; i++) {
            assertFalse(Float.isNaN(got[i]), what + ": element " + i + " is NaN");
            double excess = Math.abs(got[i] - want[i]) - (REL * Math.abs(want[i]) + RANGE * (max - min));
            if (excess > 0) {
                throw new AssertionError(what + ": element " + i + " is " + got[i] + ", expected " + want[i]
                        + " within " + REL + " of it plus " + RANGE + " of the range " + (max - min));
            }
        }
    }
}

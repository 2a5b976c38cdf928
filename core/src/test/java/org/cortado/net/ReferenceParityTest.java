package org.cortado.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.cortado.backend.cpu.CpuBackend;
import org.cortado.io.Npy;
import org.cortado.layers.Phase;
import org.cortado.tensor.Tensor;
import org.cortado.testing.SharedData;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Whole nets against the outputs of an independent implementation (OpenCV's dnn module, in ../shared/reference):
 * every layer the reference recorded, as that layer wrote it.
 */
class ReferenceParityTest {
    /** The acceptance bound: max |out - ref| <= 1e-4 * max(1, max |ref|). */
    static final double RELATIVE_BOUND = 1e-4;

    @ParameterizedTest(name = "{0} on {2}")
    @CsvSource({
        "squeezenet_v1.0, models/squeezenet_v1.0/deploy.prototxt, cat, models/squeezenet_v1.0/squeezenet_v1.0.caffemodel",
        "squeezenet_v1.0, models/squeezenet_v1.0/deploy.prototxt, chelsea, models/squeezenet_v1.0/squeezenet_v1.0.caffemodel",
        "caffenet_narrow, models/tiny/caffenet_narrow_deploy.prototxt, cat, models/tiny/caffenet_narrow_v1.caffemodel"
    })
    void everyRecordedLayerMatches(String model, String deploy, String image, String weights) throws IOException {
        Path refDir = SharedData.require("reference/" + model + "/" + image);
        LoadedNet loaded = LoadedNet.load(SharedData.require(deploy), SharedData.require(weights), Phase.TEST,
                new CpuBackend());
        Net net = loaded.net();
        net.forward(Map.of(net.inputNames().get(0), Npy.read(refDir.resolve("input.npy"))));
        List<Path> files;
        try (Stream<Path> s = Files.list(refDir)) {
            files = s.filter(p -> p.toString().endsWith(".npy") && !p.endsWith("input.npy")).sorted().toList();
        }
        assertFalse(files.isEmpty(), "no reference outputs in " + refDir);
        for (Path file : files) {
            String layer = file.getFileName().toString().replace(".npy", "").replace("__", "/");
            Tensor ref = Npy.read(file);
            Tensor out = net.output(layer);
            assertEquals(ref.shape(), out.shape(), layer);
            double maxDiff = 0;
            double maxRef = 0;
            float[] r = ref.hostData();
            float[] o = out.hostData();
            int worst = 0;
            for (int i = 0; i < r.length; i++) {
                double d = Math.abs(o[i] - r[i]);
                if (d > maxDiff) {
                    maxDiff = d;
                    worst = i;
                }
                maxRef = Math.max(maxRef, Math.abs(r[i]));
            }
            double bound = RELATIVE_BOUND * Math.max(1, maxRef);
            assertTrue(maxDiff <= bound, model + "/" + image + " layer " + layer + ": max |out - ref| = " + maxDiff
                    + " at index " + worst + " (out " + o[worst] + ", ref " + r[worst] + ") exceeds " + bound);
        }
    }
}

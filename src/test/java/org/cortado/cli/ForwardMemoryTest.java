package org.cortado.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.cortado.io.Npy;
import org.cortado.tensor.Tensor;
import org.cortado.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code forward} keeps only the outputs asked for, and {@code --verbose} says what its memory plan holds. */
class ForwardMemoryTest {
    @TempDir
    Path tmp;

    @Test
    void verboseReportsThePlanAndThePeakAndTheOutputIsTheUnplannedOne() {
        Path input = SharedData.require("reference/squeezenet_v1.0/chelsea/input.npy");
        String[] common = {"forward", "--model", FoundationCommandsTest.squeezenet("deploy.prototxt"), "--weights",
            FoundationCommandsTest.squeezenet("squeezenet_v1.0.caffemodel"), "--input", input.toString()};
        var quiet = CliTestSupport.run(concat(common, "--outputs", "fire9/concat", "--out-dir",
                tmp.resolve("a").toString()));
        assertEquals(0, quiet.status(), quiet.toString());
        assertFalse(quiet.err().contains("memory") || quiet.err().contains("time:"), quiet.err());
        // Asking for fire9's squeeze and expand layers too keeps their own outputs apart from the concat.
        var verbose = CliTestSupport.run(concat(common, "--verbose", "--outputs",
                "fire9/concat,fire9/conv1x1_1,fire9/conv1x1_2", "--out-dir", tmp.resolve("b").toString()));
        assertEquals(0, verbose.status(), verbose.toString());
        assertTrue(verbose.err().contains("memory plan: activations ") && verbose.err().contains(" layer by layer)")
                && verbose.err().contains("ReLUs fused"), verbose.err());
        assertTrue(verbose.err().contains("memory peak: ") && verbose.err().contains("heap "), verbose.err());
        assertTrue(verbose.err().lines().anyMatch(l -> l.matches("time: [0-9.]+ s from the JVM's start to the command,"
                + " [0-9.]+ s reading the input and loading the net, [0-9.]+ s in the forward pass")), verbose.err());
        Tensor a = Npy.read(tmp.resolve("a/fire9__concat.npy"));
        Tensor b = Npy.read(tmp.resolve("b/fire9__concat.npy"));
        for (int i = 0; i < a.count(); i++) {
            assertEquals(Float.floatToRawIntBits(a.hostData()[i]), Float.floatToRawIntBits(b.hostData()[i]), "at " + i);
        }
        Tensor expand = Npy.read(tmp.resolve("b/fire9__conv1x1_2.npy"));
        boolean negative = false;
        for (float v : expand.hostData()) {
            negative |= v < 0;
        }
        assertTrue(negative, "conv1x1_2 is the convolution's own output, before its ReLU");
    }

    private static String[] concat(String[] a, String... b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}

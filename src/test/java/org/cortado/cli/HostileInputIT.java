package org.cortado.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.cortado.io.Npy;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;
import org.cortado.testing.HostileFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile inputs through the {@code ./cortado} launcher, in a JVM of its default stack and a small heap: what an
 * in-process test (with the test JVM's 8 MB stack and 6 GB heap) cannot show.
 */
class HostileInputIT {
    @TempDir
    Path tmp;

    private static void assertOneLine(LauncherIT.Run r, String... fragments) {
        assertEquals(Main.EXIT_FAILURE, r.status(), r.toString());
        assertEquals(1, r.err().lines().count(), "one line expected: " + r.err());
        assertFalse(r.err().contains("\tat ") || r.err().contains("Exception in thread"), r.err());
        for (String f : fragments) {
            assertTrue(r.err().contains(f), "'" + f + "' missing from: " + r.err());
        }
    }

    @Test
    void nestedGroupsDoNotOverflowTheLaunchersDefaultStack() throws Exception {
        Path deploy = Files.writeString(tmp.resolve("wide.prototxt"), HostileFiles.wideInnerProduct(2, 1, 1, 1));
        Path model = Files.write(tmp.resolve("nested.caffemodel"), HostileFiles.nestedGroups(100_000));
        assertOneLine(LauncherIT.launch("inspect", "--model", deploy.toString(), "--weights", model.toString()),
                model + ": at byte 200: protobuf groups nested deeper than 100");
    }

    @Test
    void aHeapTooSmallForTheNetIsOneLineSayingHowToRaiseIt() throws Exception {
        // Two 20 MB weight blobs in a 32 MB heap: the first fits, the second fails where it is allocated.
        Path deploy = Files.writeString(tmp.resolve("two.prototxt"), HostileFiles.wideInnerProduct(5_000_000, 1, 1, 1)
                + "layer { name: \"fc7\" type: \"InnerProduct\" bottom: \"fc6\" top: \"fc7\"\n"
                + "        inner_product_param { num_output: 1 } }\n");
        Path input = tmp.resolve("x.npy");
        Npy.write(input, Tensor.zeros(Shape.of(1, 1, 1, 1)));
        Path out = tmp.resolve("out");
        LauncherIT.Run r = LauncherIT.launch(Map.of("CORTADO_JAVA_OPTS", "-Xmx32m"), "forward", "--model",
                deploy.toString(), "--input", input.toString(), "--outputs", "fc7", "--out-dir", out.toString());
        assertOneLine(r, "cortado forward: ", "give Java more with CORTADO_JAVA_OPTS=-Xmx<size>");
        assertFalse(Files.exists(out));
    }
}

package org.cortado.features;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.cortado.data.DecodeWarning;
import org.cortado.data.Skipped;
import org.cortado.io.Npy;
import org.cortado.tensor.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FeatureFilesTest {
    static final Provenance PROV = new Provenance("deploy.prototxt", "w.caffemodel", "ab12", "fire9/concat", "post",
            "avg", "resize 227x227, BGR 0..255", "cortado 0.1.0", "2024-01-01T00:00:00Z");

    @TempDir
    Path dir;

    private static FeatureSet sample() {
        float[][] rows = {{0, 1.5f, 0}, {2, 0, -3.25f}};
        return FeatureSet.of(rows, 3, new int[] {1, 0}, List.of("a/1.jpg", "b/2.jpg"), List.of("ants", "bees"),
                List.of(new Skipped(Path.of("a/bad.gif"), "no image reader recognises its format")),
                List.of(new DecodeWarning(Path.of("b/2.jpg"), "libjpeg-turbo: Premature end of JPEG file")), PROV);
    }

    @Test
    void roundTripsAllThreeParts() {
        Path npy = dir.resolve("codes.npy");
        FeatureFiles.write(npy, sample());
        assertTrue(Files.isRegularFile(dir.resolve("codes.labels.npy")));
        assertTrue(Files.isRegularFile(dir.resolve("codes.json")));
        FeatureSet back = FeatureFiles.read(npy);
        assertArrayEquals(sample().codes().hostData(), back.codes().hostData(), 0f);
        assertEquals(Shape.of(2, 3), back.codes().shape());
        assertArrayEquals(new int[] {1, 0}, back.labels());
        assertEquals(List.of("a/1.jpg", "b/2.jpg"), back.files());
        assertEquals(List.of("ants", "bees"), back.classes());
        assertEquals(sample().skipped(), back.skipped());
        assertEquals(sample().warnings(), back.warnings());
        assertEquals(PROV, back.provenance());
        assertArrayEquals(new int[] {1, 0}, Npy.readInt32(dir.resolve("codes.labels.npy")).data());
    }

    @Test
    void disagreeingPartsAreAnError() {
        Path npy = dir.resolve("codes.npy");
        FeatureFiles.write(npy, sample());
        Npy.writeInt32(FeatureFiles.labelsPath(npy), Shape.of(3), new int[] {0, 1, 0});
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> FeatureFiles.read(npy));
        assertTrue(e.getMessage().contains("3 labels"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> FeatureFiles.write(dir.resolve("codes.bin"), sample()));
    }

    @Test
    void libsvmTextIsSparseAndOneBased() throws Exception {
        Path f = dir.resolve("codes.libsvm");
        LibSvm.write(f, sample());
        assertEquals("1 2:1.5\n0 1:2.0 3:-3.25\n", Files.readString(f));
    }
}

package org.cortado.transfer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.cortado.image.ResizeMode;
import org.cortado.image.TransformSpec;
import org.cortado.weights.Fetcher;
import org.cortado.weights.Manifest;
import org.cortado.testing.RepositoryFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KnownModelsTest {
    @TempDir
    Path dir;

    private static final Manifest MANIFEST = Manifest.read(RepositoryFiles.manifest());

    @Test
    void aCaffemodelIsKnownByItsFileNameWhenItsBytesDiffer() throws Exception {
        Path model = Files.writeString(dir.resolve("squeezenet_v1.0.caffemodel"), "a re-saved copy");
        KnownModels.Match m = KnownModels.find(MANIFEST, model).orElseThrow();
        assertEquals("squeezenet_v1.0", m.entry().name());
        assertEquals("file name", m.how());
        assertTrue(KnownModels.find(MANIFEST, Files.writeString(dir.resolve("mine.caffemodel"), "x")).isEmpty());
    }

    @Test
    void aCaffemodelIsKnownByItsChecksumUnderAnyName() throws Exception {
        Path model = Files.writeString(dir.resolve("renamed.caffemodel"), "weights");
        String sha1 = Fetcher.digest(model, "SHA-1");
        String json = Files.readString(RepositoryFiles.manifest())
                .replace("9116a64c0fbe4459d18f4bb6b56d647b63920377", sha1);
        Manifest edited = Manifest.read(Files.writeString(dir.resolve("manifest.json"), json));
        KnownModels.Match m = KnownModels.find(edited, model).orElseThrow();
        assertEquals("bvlc_alexnet", m.entry().name());
        assertEquals("checksum", m.how());
    }

    @Test
    void theTestTimeTransformIsTheTrainingResizeAndACentreCropOfTheInput() {
        TransformSpec squeeze = KnownModels.transform(MANIFEST.get("squeezenet_v1.0"));
        assertEquals(new ResizeMode.Fixed(256, 256), squeeze.resize());
        assertEquals(227, squeeze.cropHeight());
        assertEquals(227, squeeze.cropWidth());
        assertArrayEquals(new float[] {104, 117, 123}, squeeze.meanValues());
        assertTrue(!squeeze.isRandom());
        assertEquals(224, KnownModels.transform(MANIFEST.get("bvlc_googlenet")).cropHeight());
        CodeSpec fc7 = KnownModels.codeSpec(MANIFEST.get("bvlc_reference_caffenet"));
        assertEquals(new CodeSpec("fc7", CodeSpec.Activation.POST, CodeSpec.Pooling.NONE), fc7);
    }
}

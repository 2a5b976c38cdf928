package org.cortado.features;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.cortado.data.ImageDataset;
import org.cortado.data.ImageFolders;
import org.cortado.data.TestImages;
import org.cortado.image.ImageTransformer;
import org.cortado.image.ResizeMode;
import org.cortado.image.TransformSpec;
import org.cortado.tensor.Tensor;
import org.cortado.util.Progress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CodeExtractorTest {
    @TempDir
    Path dir;

    private static final ImageTransformer TRANSFORM =
            new ImageTransformer(TransformSpec.of(new ResizeMode.Fixed(4, 4), 0, 1, 2, 3));
    private static final CodeExtractor.Options OPTIONS = new CodeExtractor.Options(3, 2, 4);

    /** 13 images in two classes; grey level encodes the index; image 6 is garbage. */
    private ImageDataset data() throws Exception {
        for (int i = 0; i < 13; i++) {
            Path f = dir.resolve("data").resolve(i < 7 ? "a" : "b").resolve(String.format("%02d.png", i));
            if (i == 6) {
                Files.createDirectories(f.getParent());
                Files.writeString(f, "broken");
            } else {
                TestImages.grey(f, 5 + i, 6, 10 * i);
            }
        }
        return ImageFolders.scan(dir.resolve("data"));
    }

    /** A stand-in for the net: code = (blue mean, red mean, batch position), deterministic per image. */
    private static float[][] fakeNet(Tensor batch) {
        int n = batch.shape().dim(0);
        int plane = 16;
        float[][] out = new float[n][2];
        for (int i = 0; i < n; i++) {
            float b = 0;
            float r = 0;
            for (int p = 0; p < plane; p++) {
                b += batch.hostData()[i * 48 + p];
                r += batch.hostData()[i * 48 + 32 + p];
            }
            out[i][0] = b / plane;
            out[i][1] = r / plane;
        }
        return out;
    }

    private static Progress quiet(long total) {
        return new Progress("codes", "img", total, System.err, Progress.Mode.QUIET, System::nanoTime, 0);
    }

    @Test
    void extractsOneRowPerDecodableImageInOrder() throws Exception {
        ImageDataset data = data();
        Path out = dir.resolve("codes.npy");
        FeatureSet set = new CodeExtractor(TRANSFORM, CodeExtractorTest::fakeNet, OPTIONS)
                .extract(data, out, FeatureFilesTest.PROV, quiet(13));
        assertEquals(12, set.rows());
        assertEquals(1, set.skipped().size());
        assertTrue(set.skipped().get(0).file().toString().endsWith("06.png"));
        for (int r = 0; r < 12; r++) {
            int image = r < 6 ? r : r + 1;
            assertEquals(10 * image - 1, set.codes().hostData()[2 * r], 1e-4, "row " + r);
            assertEquals(10 * image - 3, set.codes().hostData()[2 * r + 1], 1e-4, "row " + r);
            assertEquals(image < 7 ? 0 : 1, set.labels()[r]);
        }
        assertFalse(Files.exists(CodeExtractor.partsDir(out)), "parts are removed once joined");
        FeatureSet back = FeatureFiles.read(out);
        assertArrayEquals(set.codes().hostData(), back.codes().hostData(), 0f);
        assertTrue(back.provenance().created().compareTo("2024") > 0);
    }

    @Test
    void anInterruptedExtractionResumesWithTheMissingPartsOnly() throws Exception {
        ImageDataset data = data();
        Path reference = dir.resolve("reference.npy");
        new CodeExtractor(TRANSFORM, CodeExtractorTest::fakeNet, OPTIONS)
                .extract(data, reference, FeatureFilesTest.PROV, quiet(13));

        Path out = dir.resolve("codes.npy");
        AtomicInteger batches = new AtomicInteger();
        CodeFunction crashing = batch -> {
            if (batches.incrementAndGet() == 3) {
                throw new IllegalStateException("simulated crash in batch 3");
            }
            return fakeNet(batch);
        };
        assertThrows(IllegalStateException.class, () -> new CodeExtractor(TRANSFORM, crashing, OPTIONS)
                .extract(data, out, FeatureFilesTest.PROV, quiet(13)));
        assertFalse(Files.exists(out), "no final file after an interruption");
        Path parts = CodeExtractor.partsDir(out);
        // batches of 3: images 0-2 and 3-5 done, so part 0 (images 0-3) is saved and part 1 (4-7) is not
        assertTrue(Files.exists(parts.resolve("part-00000.json")));
        assertFalse(Files.exists(parts.resolve("part-00001.json")));

        AtomicInteger images = new AtomicInteger();
        CodeFunction counting = batch -> {
            images.addAndGet(batch.shape().dim(0));
            return fakeNet(batch);
        };
        Progress progress = quiet(13);
        FeatureSet resumed = new CodeExtractor(TRANSFORM, counting, OPTIONS)
                .extract(data, out, FeatureFilesTest.PROV, progress);
        assertEquals(8, images.get(), "images 4..12 minus the broken one are computed again, 0..3 are not");
        assertEquals(13, progress.done());
        FeatureSet whole = FeatureFiles.read(reference);
        assertArrayEquals(whole.codes().hostData(), resumed.codes().hostData(), 0f);
        assertArrayEquals(whole.labels(), resumed.labels());
        assertEquals(whole.files(), resumed.files());
        assertEquals(whole.skipped(), resumed.skipped());
    }

    @Test
    void partsOfAnotherExtractionAreNotMixedIn() throws Exception {
        ImageDataset data = data();
        Path out = dir.resolve("codes.npy");
        AtomicInteger batches = new AtomicInteger();
        CodeFunction crashing = batch -> {
            if (batches.incrementAndGet() == 3) {
                throw new IllegalStateException("simulated crash");
            }
            return fakeNet(batch);
        };
        assertThrows(IllegalStateException.class, () -> new CodeExtractor(TRANSFORM, crashing, OPTIONS)
                .extract(data, out, FeatureFilesTest.PROV, quiet(13)));
        Provenance otherLayer = new Provenance("deploy.prototxt", "w.caffemodel", "ab12", "pool10", "post", "avg",
                "resize 227x227, BGR 0..255", "cortado 0.1.0", null);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new CodeExtractor(TRANSFORM, CodeExtractorTest::fakeNet, OPTIONS)
                        .extract(data, out, otherLayer, quiet(13)));
        assertTrue(e.getMessage().contains("different extraction"), e.getMessage());
    }

    @Test
    void randomTransformsAreRefused() {
        ImageTransformer random = new ImageTransformer(TransformSpec.of(new ResizeMode.Fixed(4, 4), 2).augmented());
        assertThrows(IllegalArgumentException.class,
                () -> new CodeExtractor(random, CodeExtractorTest::fakeNet, OPTIONS));
    }
}

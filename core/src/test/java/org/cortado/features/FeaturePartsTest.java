package org.cortado.features;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.cortado.data.Batch;
import org.cortado.data.DecodeWarning;
import org.cortado.data.ImageDataset;
import org.cortado.data.LabeledImage;
import org.cortado.data.Skipped;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FeaturePartsTest {
    private static final String IDENTITY = "id\nresize 4x4";

    @TempDir
    Path dir;

    /** Five samples, x/0.png .. x/4.png, two in class a and three in b; nothing is decoded. */
    private static ImageDataset data() {
        List<LabeledImage> samples = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            samples.add(new LabeledImage(Path.of("x/" + i + ".png"), i < 2 ? 0 : 1));
        }
        return new ImageDataset(List.of("a", "b"), samples);
    }

    /**
     * A loader's batch over the pending samples {@code first .. first + n - 1} (positions in the loader's list), of
     * which {@code usable} are used and the rest skipped.
     */
    private static Batch batch(ImageDataset data, List<Integer> pending, int first, int n, int[] usable,
            List<DecodeWarning> warnings) {
        List<Path> files = new ArrayList<>();
        List<Skipped> skipped = new ArrayList<>();
        for (int k = first; k < first + n; k++) {
            Path file = data.samples().get(pending.get(k)).file();
            boolean used = false;
            for (int u : usable) {
                used |= u == k;
            }
            if (used) {
                files.add(file);
            } else {
                skipped.add(new Skipped(file, "not an image"));
            }
        }
        Tensor pixels = Tensor.zeros(Shape.of(usable.length, 3, 1, 1));
        return new Batch(0, pixels, null, new int[usable.length], files, usable, skipped, warnings);
    }

    /** Codes (sample, sample + 0.5) for the usable images of {@code usable} in the data set. */
    private static float[][] codes(List<Integer> pending, int[] usable) {
        float[][] rows = new float[usable.length][];
        for (int r = 0; r < usable.length; r++) {
            int sample = pending.get(usable[r]);
            rows[r] = new float[] {sample, sample + 0.5f};
        }
        return rows;
    }

    @Test
    void theFingerprintIsTheSha1OfIdentityPartSizeClassesAndEverySample() {
        // Written by the extractor before the parts store was its own class: parts on disk from then still resume.
        assertEquals("6fc099c274a0040ef9f1f5fb7400c25d6bc055bc", FeatureParts.fingerprint(data(), IDENTITY, 2));
        assertNotEquals(FeatureParts.fingerprint(data(), IDENTITY, 2), FeatureParts.fingerprint(data(), IDENTITY, 3));
    }

    @Test
    void batchesAreRoutedToTheirPartsWhichAreSavedWhenFullAndResumed() {
        ImageDataset data = data();
        Path npy = dir.resolve("codes.npy");
        FeatureParts parts = FeatureParts.open(npy, data, IDENTITY, 2);
        List<Integer> pending = parts.pending();
        assertEquals(List.of(0, 1, 2, 3, 4), pending);
        // Samples 0..2, sample 1 skipped: part 0 (samples 0, 1) is complete, part 1 (2, 3) is not.
        int[] first = {0, 2};
        parts.accept(batch(data, pending, 0, 3, first, List.of()), codes(pending, first));
        Path partsDir = FeatureParts.dir(npy);
        assertTrue(Files.isRegularFile(partsDir.resolve("part-00000.json")));
        assertFalse(Files.exists(partsDir.resolve("part-00001.json")));

        // A second run (the first interrupted here) finds part 0 and computes the rest.
        FeatureParts again = FeatureParts.open(npy, data, IDENTITY, 2);
        assertEquals(2, again.done());
        List<Integer> rest = again.pending();
        assertEquals(List.of(2, 3, 4), rest);
        int[] all = {0, 1, 2};
        DecodeWarning cut = new DecodeWarning(data.samples().get(4).file(), "truncated");
        again.accept(batch(data, rest, 0, 3, all, List.of(cut)), codes(rest, all));
        FeatureSet set = again.join(FeatureFilesTest.PROV);
        assertEquals(4, set.rows());
        assertEquals(List.of("x/0.png", "x/2.png", "x/3.png", "x/4.png"), set.files());
        assertArrayEquals(new int[] {0, 1, 1, 1}, set.labels());
        assertArrayEquals(new float[] {0, 0.5f, 2, 2.5f, 3, 3.5f, 4, 4.5f}, set.codes().hostData(), 0f);
        assertEquals(List.of(new Skipped(Path.of("x/1.png"), "not an image")), set.skipped());
        assertEquals(List.of(cut), set.warnings());
        again.delete();
        assertFalse(Files.exists(partsDir));
    }

    @Test
    void partsOfAnotherExtractionAreRefusedAndDiscardable() {
        Path npy = dir.resolve("codes.npy");
        FeatureParts.open(npy, data(), IDENTITY, 2);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> FeatureParts.open(npy, data(), "other\nresize 4x4", 2));
        assertTrue(e.getMessage().contains("holds parts of a different extraction"), e.getMessage());
        assertTrue(FeatureParts.discard(npy));
        assertFalse(FeatureParts.discard(npy), "nothing left to discard");
    }

    @Test
    void codesOfDifferentLengthsInOnePartAreRefused() {
        ImageDataset data = data();
        FeatureParts parts = FeatureParts.open(dir.resolve("codes.npy"), data, IDENTITY, 5);
        List<Integer> pending = parts.pending();
        int[] two = {0, 1};
        float[][] uneven = {{1, 2}, {3}};
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> parts.accept(batch(data, pending, 0, 2, two, List.of()), uneven));
        assertEquals("the code function returned codes of 1 and 2 values", e.getMessage());
    }
}

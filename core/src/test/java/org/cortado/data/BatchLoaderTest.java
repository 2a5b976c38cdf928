package org.cortado.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.cortado.backend.cpu.CpuBackend;
import org.cortado.image.ImageTransformer;
import org.cortado.image.ResizeMode;
import org.cortado.image.TransformSpec;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;
import org.cortado.testing.HostileImages;
import org.cortado.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BatchLoaderTest {
    private static final float EXACT = 0f;

    @TempDir
    Path dir;

    /** 11 grey PNGs (value 10 * i) of varying sizes; file 4 is garbage and file 7 is too small for a 4x4 crop. */
    private List<LabeledImage> samples() throws Exception {
        List<LabeledImage> out = new ArrayList<>();
        for (int i = 0; i < 11; i++) {
            Path f = dir.resolve(String.format("%02d.png", i));
            if (i == 4) {
                Files.writeString(f, "not a png");
            } else {
                int size = i == 7 ? 3 : 6 + i;
                TestImages.grey(f, size, size, 10 * i);
            }
            out.add(new LabeledImage(f, i % 3));
        }
        return out;
    }

    private static List<Batch> drain(BatchLoader loader) {
        List<Batch> batches = new ArrayList<>();
        try (loader) {
            while (loader.hasNext()) {
                batches.add(loader.next());
            }
        }
        return batches;
    }

    @Test
    void batchesComeInInputOrderWithSkippedImagesReported() throws Exception {
        List<LabeledImage> samples = samples();
        ImageTransformer t = new ImageTransformer(TransformSpec.of(new ResizeMode.None(), 4));
        List<Batch> batches = drain(new BatchLoader(samples, t, LoaderOptions.of(4, 3).withPrefetch(1)));
        assertEquals(3, batches.size());
        Batch b1 = batches.get(1); // samples 4..7
        assertEquals(Shape.of(2, 3, 4, 4), b1.data().shape());
        assertArrayEquals(new int[] {5, 6}, b1.sampleIndices());
        assertArrayEquals(new int[] {5 % 3, 6 % 3}, b1.labels());
        assertEquals(samples.get(5).file(), b1.files().get(0));
        assertEquals(50f, b1.data().hostData()[0], EXACT);
        assertEquals(60f, b1.data().hostData()[3 * 16], EXACT);
        assertEquals(2, b1.skipped().size());
        assertEquals(samples.get(4).file(), b1.skipped().get(0).file());
        assertTrue(b1.skipped().get(0).reason().contains("no image reader"), b1.skipped().get(0).reason());
        assertTrue(b1.skipped().get(1).reason().contains("smaller than"), b1.skipped().get(1).reason());
        assertEquals(3, batches.get(2).size());
        int total = batches.stream().mapToInt(Batch::size).sum();
        assertEquals(9, total);
    }

    @Test
    void hostileFilesAreSkippedWithTheirReasonAndTruncatedOnesUsedWithTheirWarning() throws Exception {
        List<LabeledImage> samples = new ArrayList<>();
        samples.add(new LabeledImage(TestImages.grey(dir.resolve("a.png"), 20, 18, 100), 0));
        samples.add(new LabeledImage(HostileImages.progressiveJpegClaiming(dir.resolve("huge.jpg"), 26800, 26800), 1));
        samples.add(new LabeledImage(HostileImages.pngClaiming(dir.resolve("huge.png"), 27000, 27000, 4096), 0));
        samples.add(new LabeledImage(HostileImages.jpeg(dir.resolve("strip.jpg"), 1, 65500), 1));
        byte[] jpeg = HostileImages.encodeJpeg(HostileImages.noise(40, 30, 5), false);
        samples.add(new LabeledImage(Files.write(dir.resolve("cut.jpg"), HostileImages.truncated(jpeg, 0.5)), 0));
        samples.add(new LabeledImage(TestImages.grey(dir.resolve("b.png"), 18, 20, 50), 1));
        ImageTransformer t = new ImageTransformer(TransformSpec.of(new ResizeMode.ShorterSide(227), 227));
        for (boolean pixelMode : new boolean[] {false, true}) {
            List<Batch> batches = drain(new BatchLoader(samples, t,
                    LoaderOptions.of(3, 2).withPrefetch(1).withPixelMode(pixelMode)));
            List<Path> used = new ArrayList<>();
            List<Skipped> skipped = new ArrayList<>();
            List<DecodeWarning> warnings = new ArrayList<>();
            for (Batch b : batches) {
                used.addAll(b.files());
                skipped.addAll(b.skipped());
                warnings.addAll(b.warnings());
                if (b.size() > 0) {
                    assertEquals(Shape.of(b.size(), 3, 227, 227), b.input(new CpuBackend()).shape());
                }
            }
            String mode = pixelMode ? "pixel mode" : "host mode";
            assertEquals(List.of(dir.resolve("a.png"), dir.resolve("cut.jpg"), dir.resolve("b.png")), used, mode);
            assertEquals(List.of(dir.resolve("huge.jpg"), dir.resolve("huge.png"), dir.resolve("strip.jpg")),
                    skipped.stream().map(Skipped::file).toList(), mode);
            assertTrue(skipped.get(0).reason().startsWith("26800 x 26800 = 718 megapixels exceeds the limit of 100"
                    + " megapixels"), skipped.get(0).reason());
            assertTrue(skipped.get(1).reason().startsWith("27000 x 27000 = 729 megapixels exceeds"),
                    skipped.get(1).reason());
            assertTrue(skipped.get(2).reason().startsWith("a 1x65500 image resized (shorter-side 227) to 227 x"
                    + " 14868500"), skipped.get(2).reason());
            assertEquals(1, warnings.size(), mode);
            assertEquals(dir.resolve("cut.jpg"), warnings.get(0).file());
            assertFalse(warnings.get(0).reason().isBlank());
        }
    }

    @Test
    void randomTransformsDoNotDependOnThreadCount() throws Exception {
        List<LabeledImage> samples = distinctPixelSamples(9);
        TransformSpec spec = TransformSpec.of(new ResizeMode.None(), 4).augmented();
        ImageTransformer t = new ImageTransformer(spec);
        List<Batch> one = drain(new BatchLoader(samples, t, LoaderOptions.of(3, 1).withPrefetch(1).withSeed(99, 2)));
        List<Batch> four = drain(new BatchLoader(samples, t, LoaderOptions.of(3, 4).withPrefetch(3).withSeed(99, 2)));
        List<Batch> otherEpoch = drain(new BatchLoader(samples, t,
                LoaderOptions.of(3, 4).withPrefetch(3).withSeed(99, 3)));
        boolean differs = false;
        for (int b = 0; b < one.size(); b++) {
            assertArrayEquals(one.get(b).data().hostData(), four.get(b).data().hostData(), EXACT);
            differs |= !java.util.Arrays.equals(one.get(b).data().hostData(), otherEpoch.get(b).data().hostData());
        }
        assertTrue(differs, "another epoch should draw other crops");
    }

    /** {@link #samples()} with distinct pixel values (so that crop offsets and mirroring show), 9+i wide when sized. */
    private List<LabeledImage> distinctPixelSamples(int size) throws Exception {
        List<LabeledImage> samples = samples();
        for (int i = 0; i < samples.size(); i++) {
            if (i != 4 && i != 7) {
                int w = size + i % 3;
                java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(w, size,
                        java.awt.image.BufferedImage.TYPE_INT_RGB);
                for (int p = 0; p < w * size; p++) {
                    img.setRGB(p % w, p / w, (p * 3 + i) * 0x010203);
                }
                javax.imageio.ImageIO.write(img, "png", samples.get(i).file().toFile());
            }
        }
        return samples;
    }

    @Test
    void pixelModeGivesTheHostTransformsValues() throws Exception {
        List<LabeledImage> samples = distinctPixelSamples(9);
        Tensor meanImage = Tensor.wrap(Shape.of(3, 8, 8), new float[3 * 8 * 8]);
        for (int i = 0; i < meanImage.count(); i++) {
            meanImage.hostData()[i] = 90 + 0.5f * i;
        }
        Tensor meanSquare = Tensor.wrap(Shape.of(3, 9, 9), new float[3 * 9 * 9]);
        TransformSpec[] specs = {
            new TransformSpec(new ResizeMode.None(), 4, 4, true, true, new float[] {104, 117, 123}, null, 1f),
            new TransformSpec(new ResizeMode.Fixed(8, 8), 5, 5, true, true, new float[0], meanImage, 0.25f),
            TransformSpec.of(new ResizeMode.Fixed(7, 9), 0, 117f),
            // Images of different sizes with a mean image: each needs its own resized mean, so the host transforms.
            new TransformSpec(new ResizeMode.ShorterSide(9), 6, 6, false, false, new float[0], meanSquare, 1f),
        };
        CpuBackend cpu = new CpuBackend();
        for (TransformSpec spec : specs) {
            ImageTransformer t = new ImageTransformer(spec);
            List<Batch> host = drain(new BatchLoader(samples, t,
                    LoaderOptions.of(4, 2).withPrefetch(1).withSeed(5, 1)));
            List<Batch> pixels = drain(new BatchLoader(samples, t,
                    LoaderOptions.of(4, 3).withPrefetch(1).withSeed(5, 1).withPixelMode(true)));
            assertEquals(host.size(), pixels.size());
            for (int b = 0; b < host.size(); b++) {
                Batch h = host.get(b);
                Batch p = pixels.get(b);
                boolean mixedMeans = spec.resize() instanceof ResizeMode.ShorterSide;
                assertEquals(mixedMeans, p.pixels() == null, spec.describe());
                assertArrayEquals(h.sampleIndices(), p.sampleIndices());
                assertEquals(h.skipped(), p.skipped());
                Tensor in = p.input(cpu);
                assertEquals(h.data().shape(), in.shape(), spec.describe());
                assertArrayEquals(h.data().hostData(), in.hostData(), EXACT, spec.describe() + ", batch " + b);
            }
        }
    }

    @Test
    void variableSizeImagesNeedBatchesOfOne() throws Exception {
        List<LabeledImage> samples = samples();
        ImageTransformer t = new ImageTransformer(TransformSpec.of(new ResizeMode.None(), 0));
        assertThrows(IllegalArgumentException.class, () -> BatchLoader.of(samples, t, 2, 1));
        List<Batch> batches = drain(BatchLoader.of(samples, t, 1, 2));
        assertEquals(11, batches.size());
        assertEquals(Shape.of(1, 3, 8, 8), batches.get(2).data().shape());
        assertEquals(Shape.of(0, 3, 0, 0), batches.get(4).data().shape());
        assertEquals(1, batches.get(4).skipped().size());
        assertFalse(batches.get(10).data().shape().count() == 0);
    }

    @Test
    void optionsStartFromTheDefaultsAndRefuseNonPositiveCounts() {
        LoaderOptions o = LoaderOptions.of(8, 3);
        assertEquals(new LoaderOptions(8, 3, LoaderOptions.DEFAULT_PREFETCH, 0, 0, false), o);
        assertEquals(new LoaderOptions(8, 3, 1, 7, 2, true), o.withPrefetch(1).withSeed(7, 2).withPixelMode(true));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LoaderOptions.of(0, 2));
        assertEquals("batch size, threads and prefetch must be positive, got 0, 2, 2", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LoaderOptions.of(4, 0));
        assertThrows(IllegalArgumentException.class, () -> o.withPrefetch(0));
    }

    @Test
    void hymenopteraDecodesEveryFile() {
        Path train = SharedData.require("data/hymenoptera/train");
        ImageDataset ds = ImageFolders.scan(train);
        ImageTransformer t = new ImageTransformer(
                TransformSpec.of(new ResizeMode.Fixed(227, 227), 0, 104, 117, 123));
        List<Batch> batches = drain(BatchLoader.of(ds.samples(), t, 32, 2));
        assertEquals(245, batches.stream().mapToInt(Batch::size).sum());
        assertTrue(batches.stream().allMatch(b -> b.skipped().isEmpty()));
    }
}

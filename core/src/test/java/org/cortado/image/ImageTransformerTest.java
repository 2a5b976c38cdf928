package org.cortado.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;
import org.junit.jupiter.api.Test;

class ImageTransformerTest {
    private static final float EXACT = 0f;
    private static final ResizeMode NO_RESIZE = new ResizeMode.None();

    /** A 4x6 image whose channel c at (y, x) holds {@code 100 * c + 10 * y + x}. */
    private static BgrImage numbered() {
        int h = 4;
        int w = 6;
        byte[] px = new byte[h * w * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int c = 0; c < 3; c++) {
                    px[(y * w + x) * 3 + c] = (byte) (100 * c + 10 * y + x);
                }
            }
        }
        return new BgrImage(h, w, px);
    }

    private static float value(int c, int y, int x) {
        return 100 * c + 10 * y + x;
    }

    @Test
    void centreCropUsesCaffesIntegerOffsets() {
        TransformSpec spec = new TransformSpec(NO_RESIZE, 2, 3, false, false, new float[0], null, 1f);
        float[] out = new ImageTransformer(spec).apply(numbered(), 0);
        // h_off = (4 - 2) / 2 = 1, w_off = (6 - 3) / 2 = 1
        assertEquals(3 * 2 * 3, out.length);
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 2; y++) {
                for (int x = 0; x < 3; x++) {
                    assertEquals(value(c, y + 1, x + 1), out[(c * 2 + y) * 3 + x], EXACT);
                }
            }
        }
    }

    @Test
    void meanIsSubtractedBeforeScaling() {
        TransformSpec spec = new TransformSpec(NO_RESIZE, 0, 0, false, false, new float[] {1, 2, 3}, null, 0.5f);
        float[] out = new ImageTransformer(spec).apply(numbered(), 0);
        int plane = 4 * 6;
        assertEquals((value(0, 2, 3) - 1) * 0.5f, out[2 * 6 + 3], EXACT);
        assertEquals((value(1, 2, 3) - 2) * 0.5f, out[plane + 2 * 6 + 3], EXACT);
        assertEquals((value(2, 0, 0) - 3) * 0.5f, out[2 * plane], EXACT);
    }

    @Test
    void oneMeanValueServesAllChannels() {
        float[] out = new ImageTransformer(TransformSpec.of(NO_RESIZE, 0, 7f)).apply(numbered(), 0);
        assertEquals(value(0, 1, 1) - 7, out[6 + 1], EXACT);
        assertEquals(value(2, 1, 1) - 7, out[2 * 24 + 6 + 1], EXACT);
    }

    @Test
    void meanImageIsCroppedAtTheImagesCropPosition() {
        float[] mean = new float[3 * 4 * 6];
        for (int i = 0; i < mean.length; i++) {
            mean[i] = i * 0.25f;
        }
        TransformSpec spec = new TransformSpec(NO_RESIZE, 2, 2, false, false, new float[0],
                Tensor.wrap(Shape.of(3, 4, 6), mean), 1f);
        float[] out = new ImageTransformer(spec).apply(numbered(), 0);
        // offsets (1, 2)
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 2; y++) {
                for (int x = 0; x < 2; x++) {
                    float m = mean[(c * 4 + y + 1) * 6 + x + 2];
                    assertEquals(value(c, y + 1, x + 2) - m, out[(c * 2 + y) * 2 + x], EXACT);
                }
            }
        }
    }

    @Test
    void meanImageOfAnotherSizeIsResizedToTheImage() {
        // A constant mean image resizes to the same constant.
        float[] mean = new float[3 * 2 * 2];
        java.util.Arrays.fill(mean, 0, 4, 5f);
        java.util.Arrays.fill(mean, 4, 8, 6f);
        java.util.Arrays.fill(mean, 8, 12, 7f);
        TransformSpec spec = new TransformSpec(NO_RESIZE, 0, 0, false, false, new float[0],
                Tensor.wrap(Shape.of(3, 2, 2), mean), 1f);
        float[] out = new ImageTransformer(spec).apply(numbered(), 0);
        assertEquals(value(0, 3, 5) - 5, out[3 * 6 + 5], 1e-5f);
        assertEquals(value(2, 3, 5) - 7, out[2 * 24 + 3 * 6 + 5], 1e-5f);
    }

    @Test
    void resizedMeanImagesKeptForReuseStayWithinTheirBudget() {
        TransformSpec spec = new TransformSpec(new ResizeMode.ShorterSide(64), 64, 64, false, false, new float[0],
                Tensor.zeros(Shape.of(3, 8, 8)), 1f);
        ImageTransformer t = new ImageTransformer(spec);
        PixelBatch first = t.prepare(new BgrImage(1, 300, new byte[900]), 0);
        // The same size again reuses the same array, which lets a batch of such images share one mean.
        assertSame(first.meanImage(), t.prepare(new BgrImage(1, 300, new byte[900]), 0).meanImage());
        // Thin images of many widths: each resizes to 64 x (64 * width) and needs its own resized mean.
        long made = 0;
        for (int w = 300; w < 312; w++) {
            made += t.prepare(new BgrImage(1, w, new byte[3 * w]), 0).meanImage().length;
        }
        assertTrue(made > 2 * ImageTransformer.MEAN_CACHE_FLOATS, "the test makes more than the budget: " + made);
        assertTrue(t.keptMeanFloats() <= ImageTransformer.MEAN_CACHE_FLOATS, "kept " + t.keptMeanFloats());
    }

    @Test
    void mirrorFlipsOutputAndSubtractsMeanAtTheSourcePosition() {
        float[] mean = new float[3 * 4 * 6];
        for (int i = 0; i < mean.length; i++) {
            mean[i] = 2 * i; // slope differs from the image's, so a flip changes the output
        }
        TransformSpec spec = new TransformSpec(NO_RESIZE, 0, 0, false, true, new float[0],
                Tensor.wrap(Shape.of(3, 4, 6), mean), 1f);
        ImageTransformer t = new ImageTransformer(spec);
        int flipped = 0;
        for (long seed = 0; seed < 40; seed++) {
            float[] out = t.apply(numbered(), seed);
            boolean flip = out[0] != value(0, 0, 0) - mean[0];
            if (flip) {
                flipped++;
            }
            for (int y = 0; y < 4; y++) {
                for (int x = 0; x < 6; x++) {
                    int sx = flip ? 5 - x : x;
                    assertEquals(value(1, y, sx) - mean[(4 + y) * 6 + sx], out[(4 + y) * 6 + x], EXACT);
                }
            }
        }
        assertTrue(flipped > 5 && flipped < 35, "about half of 40 seeds should flip, got " + flipped);
    }

    @Test
    void randomCropsAreReproducibleAndCoverEveryOffset() {
        TransformSpec spec = new TransformSpec(NO_RESIZE, 2, 2, true, false, new float[0], null, 1f);
        ImageTransformer t = new ImageTransformer(spec);
        Set<String> offsets = new HashSet<>();
        for (long i = 0; i < 200; i++) {
            long seed = ImageTransformer.sampleSeed(42, 0, i);
            float[] a = t.apply(numbered(), seed);
            assertArrayEquals(a, t.apply(numbered(), seed), EXACT);
            int y = (int) (a[0] / 10);
            int x = (int) (a[0] % 10);
            offsets.add(y + "," + x);
            assertEquals(value(0, y + 1, x + 1), a[3], EXACT);
        }
        // h_off in 0..2, w_off in 0..4: 15 positions
        assertEquals(15, offsets.size());
    }

    @Test
    void sampleSeedsDifferAcrossEpochsAndIndices() {
        Set<Long> seeds = new HashSet<>();
        for (int e = 0; e < 10; e++) {
            for (int i = 0; i < 100; i++) {
                seeds.add(ImageTransformer.sampleSeed(7, e, i));
            }
        }
        assertEquals(1000, seeds.size());
    }

    @Test
    void resizeThenCropGivesTheCropSize() {
        TransformSpec spec = TransformSpec.of(new ResizeMode.ShorterSide(8), 6, 104, 117, 123);
        float[] out = new ImageTransformer(spec).apply(numbered(), 0);
        assertEquals(3 * 6 * 6, out.length);
        assertArrayEquals(new int[] {8, 12}, new ResizeMode.ShorterSide(8).targetSize(4, 6));
        assertArrayEquals(new int[] {12, 8}, new ResizeMode.ShorterSide(8).targetSize(6, 4));
        assertArrayEquals(new int[] {256, 341}, new ResizeMode.ShorterSide(256).targetSize(375, 500));
    }

    @Test
    void imagesSmallerThanTheCropAreRejectedWithSizes() {
        ImageTransformer t = new ImageTransformer(TransformSpec.of(NO_RESIZE, 5));
        String why = t.rejection(numbered());
        assertNotNull(why);
        assertTrue(why.contains("4x6") && why.contains("5x5"), why);
        assertThrows(IllegalArgumentException.class, () -> t.apply(numbered(), 0));
        assertNull(new ImageTransformer(TransformSpec.of(new ResizeMode.Fixed(5, 5), 5)).rejection(numbered()));
    }

    @Test
    void specRejectsBadSettings() {
        assertThrows(IllegalArgumentException.class, () -> TransformSpec.of(NO_RESIZE, 0, 1, 2));
        assertThrows(IllegalArgumentException.class,
                () -> new TransformSpec(NO_RESIZE, 0, 0, false, false, new float[] {1}, Tensor.zeros(Shape.of(3, 2, 2)), 1));
        assertThrows(IllegalArgumentException.class,
                () -> new TransformSpec(NO_RESIZE, 0, 0, false, false, new float[0], Tensor.zeros(Shape.of(1, 2, 2)), 1));
        assertThrows(IllegalArgumentException.class,
                () -> new TransformSpec(NO_RESIZE, 0, 0, false, false, new float[0], null, 0));
    }
}

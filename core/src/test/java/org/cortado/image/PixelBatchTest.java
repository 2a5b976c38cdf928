package org.cortado.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PixelBatchTest {
    /** Three images of different sizes, one after another, with random bytes. */
    private static final int[][] SIZES = {{5, 7}, {6, 6}, {9, 4}};

    private static byte[] randomPixels(int n, long seed) {
        byte[] b = new byte[n];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    /**
     * The transform written the other way round, per output element as the GPU kernel computes it: output column
     * {@code xo} reads source column {@code mirrored ? cropW - 1 - xo : xo}.
     */
    private static float[] perOutputElement(PixelBatch p) {
        int ch = p.cropHeight();
        int cw = p.cropWidth();
        float[] out = new float[p.outputShape().count()];
        for (int idx = 0; idx < out.length; idx++) {
            int xo = idx % cw;
            int y = idx / cw % ch;
            int c = idx / (cw * ch) % 3;
            int img = idx / (cw * ch * 3);
            PixelBatch.Image im = p.image(img);
            int x = im.mirrored() ? cw - 1 - xo : xo;
            int sy = im.top() + y;
            int sx = im.left() + x;
            float pixel = p.pixels()[im.offset() + (sy * im.width() + sx) * 3 + c] & 0xFF;
            float mean = p.meanImage() != null ? p.meanImage()[(c * im.height() + sy) * im.width() + sx]
                    : p.meanValues().length == 0 ? 0f : p.meanValues()[p.meanValues().length == 1 ? 0 : c];
            out[idx] = (pixel - mean) * p.scale();
        }
        return out;
    }

    private static PixelBatch batch(float[] meanValues, float[] meanImage, int crop) {
        int bytes = 0;
        int[] layout = new int[SIZES.length * 6];
        for (int i = 0; i < SIZES.length; i++) {
            int h = meanImage != null ? 6 : SIZES[i][0];
            int w = meanImage != null ? 6 : SIZES[i][1];
            layout[i * 6] = bytes;
            layout[i * 6 + 1] = h;
            layout[i * 6 + 2] = w;
            layout[i * 6 + 3] = h - crop - i % 2;
            layout[i * 6 + 4] = i == 2 ? 0 : w - crop;
            layout[i * 6 + 5] = i % 2;
            bytes += h * w * 3;
        }
        return new PixelBatch(randomPixels(bytes, 7), layout, crop, crop, meanValues, meanImage, 0.017f);
    }

    @Test
    void transformMatchesThePerOutputElementFormula() {
        float[] meanImage = new float[3 * 6 * 6];
        for (int i = 0; i < meanImage.length; i++) {
            meanImage[i] = 100 + i * 0.37f;
        }
        for (PixelBatch p : new PixelBatch[] {batch(new float[0], null, 3), batch(new float[] {117f}, null, 4),
                batch(new float[] {104f, 117f, 123f}, null, 3), batch(new float[0], meanImage, 4)}) {
            float[] got = new float[p.outputShape().count() + 5];
            p.transformInto(got, 5);
            assertArrayEquals(perOutputElement(p), java.util.Arrays.copyOfRange(got, 5, got.length), 0f);
        }
    }

    @Test
    void transformerAppliesItsPreparedBatch() {
        BgrImage img = new BgrImage(10, 12, randomPixels(10 * 12 * 3, 3));
        TransformSpec spec = new TransformSpec(new ResizeMode.Fixed(8, 9), 5, 6, true, true, new float[] {1, 2, 3},
                null, 0.5f);
        ImageTransformer t = new ImageTransformer(spec);
        PixelBatch p = t.prepare(img, 42);
        assertEquals(org.cortado.tensor.Shape.of(1, 3, 5, 6), p.outputShape());
        assertArrayEquals(perOutputElement(p), t.apply(img, 42), 0f);
    }

    @Test
    void badLayoutsAreRejectedWithTheImageNamed() {
        byte[] px = new byte[4 * 4 * 3];
        String crop = assertThrows(IllegalArgumentException.class, () -> new PixelBatch(px,
                new int[] {0, 4, 4, 1, 0, 0}, 4, 4, new float[0], null, 1f)).getMessage();
        assertTrue(crop.contains("image 0") && crop.contains("crop at (1, 0)"), crop);
        String bytes = assertThrows(IllegalArgumentException.class, () -> new PixelBatch(px,
                new int[] {0, 4, 4, 0, 0, 0, 3, 4, 4, 0, 0, 0}, 4, 4, new float[0], null, 1f)).getMessage();
        assertTrue(bytes.contains("image 1") && bytes.contains("48 pixel bytes"), bytes);
        String mean = assertThrows(IllegalArgumentException.class, () -> new PixelBatch(px,
                new int[] {0, 4, 4, 0, 0, 0}, 2, 2, new float[0], new float[3 * 5 * 5], 1f)).getMessage();
        assertTrue(mean.contains("mean image holds 75 values"), mean);
        String mirror = assertThrows(IllegalArgumentException.class, () -> new PixelBatch(px,
                new int[] {0, 4, 4, 0, 0, 2}, 2, 2, new float[0], null, 1f)).getMessage();
        assertTrue(mirror.contains("mirrored must be 0 or 1"), mirror);
    }
}

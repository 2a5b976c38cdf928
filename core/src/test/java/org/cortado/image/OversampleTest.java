package org.cortado.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;
import org.junit.jupiter.api.Test;

class OversampleTest {
    private static final float EXACT = 0f;

    /** Two images (N = 2) of 2 channels, 5x7, whose value encodes (image, channel, y, x). */
    private static Tensor numbered() {
        float[] v = new float[2 * 2 * 5 * 7];
        for (int i = 0; i < 2; i++) {
            for (int c = 0; c < 2; c++) {
                for (int y = 0; y < 5; y++) {
                    for (int x = 0; x < 7; x++) {
                        v[((i * 2 + c) * 5 + y) * 7 + x] = 1000 * i + 100 * c + 10 * y + x;
                    }
                }
            }
        }
        return Tensor.wrap(Shape.of(2, 2, 5, 7), v);
    }

    @Test
    void offsetsAreCornersThenCentreAsCaffesIoPy() {
        // io.py: h_indices (0, 5 - 2), w_indices (0, 7 - 4); centre = (5/2 - 2/2, 7/2 - 4/2) = (1.5, 1.5) -> (1, 1).
        int[][] at = Oversample.offsets(5, 7, 2, 4);
        assertArrayEquals(new int[] {0, 0}, at[0]);
        assertArrayEquals(new int[] {0, 3}, at[1]);
        assertArrayEquals(new int[] {3, 0}, at[2]);
        assertArrayEquals(new int[] {3, 3}, at[3]);
        assertArrayEquals(new int[] {1, 1}, at[4]);
        // 256 -> 227: the centre crop starts at 14, as the centre crop of the transform does.
        assertArrayEquals(new int[] {14, 14}, Oversample.offsets(256, 256, 227, 227)[4]);
    }

    @Test
    void tenViewsPerImageInOrderWithTheLastFiveMirrored() {
        Tensor crops = Oversample.crops(numbered(), 2, 4);
        assertEquals(Shape.of(20, 2, 2, 4), crops.shape());
        float[] d = crops.hostData();
        int[][] at = Oversample.offsets(5, 7, 2, 4);
        for (int i = 0; i < 2; i++) {
            for (int v = 0; v < 10; v++) {
                for (int c = 0; c < 2; c++) {
                    for (int y = 0; y < 2; y++) {
                        for (int x = 0; x < 4; x++) {
                            int sx = v < 5 ? x : 3 - x;
                            float expected = 1000 * i + 100 * c + 10 * (at[v % 5][0] + y) + at[v % 5][1] + sx;
                            assertEquals(expected, d[(((i * 10 + v) * 2 + c) * 2 + y) * 4 + x], EXACT,
                                    "image " + i + " view " + v + " c " + c + " y " + y + " x " + x);
                        }
                    }
                }
            }
        }
    }

    @Test
    void aCropLargerThanTheImageIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> Oversample.crops(numbered(), 6, 4));
        assertThrows(IllegalArgumentException.class, () -> Oversample.crops(Tensor.zeros(Shape.of(3, 5, 7)), 2, 2));
    }
}

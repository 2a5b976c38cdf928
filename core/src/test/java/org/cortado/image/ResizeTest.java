package org.cortado.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Resizing checked against values computed by hand from OpenCV's INTER_LINEAR definition. */
class ResizeTest {
    private static final float EXACT = 0f;
    private static final float FLOAT_TOL = 1e-5f;

    /** A grey image (all three channels equal) from rows of values. */
    private static BgrImage grey(int[][] rows) {
        int h = rows.length;
        int w = rows[0].length;
        byte[] px = new byte[h * w * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int c = 0; c < 3; c++) {
                    px[(y * w + x) * 3 + c] = (byte) rows[y][x];
                }
            }
        }
        return new BgrImage(h, w, px);
    }

    private static int[][] channel(BgrImage img, int c) {
        int[][] out = new int[img.height()][img.width()];
        for (int y = 0; y < img.height(); y++) {
            for (int x = 0; x < img.width(); x++) {
                out[y][x] = img.get(y, x, c);
            }
        }
        return out;
    }

    @Test
    void upscale2x2To3x3RepeatsEdgesAndAveragesCentres() {
        // scale 2/3: dst 0 -> src -1/6 (clamped to 0), dst 1 -> src 0.5, dst 2 -> src 7/6 (clamped to 1).
        BgrImage out = Resize.linear(grey(new int[][] {{10, 21}, {30, 50}}), 3, 3);
        int[][] expected = {
            {10, 16, 21},      // (10 + 21) / 2 = 15.5 rounds up
            {20, 28, 36},      // (10+21+30+50)/4 = 27.75; (21 + 50) / 2 = 35.5
            {30, 40, 50},
        };
        for (int c = 0; c < 3; c++) {
            assertArrayEquals(expected, channel(out, c));
        }
    }

    @Test
    void downscale4To3UsesQuantisedWeights() {
        // scale 4/3: dst 0 -> src 1/6 (weights 1707/2048, 341/2048), dst 1 -> 1.5, dst 2 -> 2 + 5/6.
        BgrImage out = Resize.linear(grey(new int[][] {{0, 60, 120, 180}}), 1, 3);
        assertArrayEquals(new int[][] {{10, 90, 170}}, channel(out, 0));
    }

    @Test
    void halvingAveragesTwoByTwoBlocksLikeInterArea() {
        BgrImage out = Resize.linear(grey(new int[][] {{0, 4, 100, 101}, {8, 12, 102, 104}}), 1, 2);
        // (0+4+8+12)/4 = 6; (100+101+102+104)/4 = 101.75 -> 102
        assertArrayEquals(new int[][] {{6, 102}}, channel(out, 0));
    }

    @Test
    void channelsStayApart() {
        byte[] px = new byte[2 * 3];
        px[0] = 10; // pixel 0: B=10 G=0 R=200
        px[2] = (byte) 200;
        px[3] = 30; // pixel 1: B=30 G=255 R=0
        px[4] = (byte) 255;
        BgrImage out = Resize.linear(new BgrImage(1, 2, px), 1, 3);
        assertArrayEquals(new int[][] {{10, 20, 30}}, channel(out, 0));
        assertArrayEquals(new int[][] {{0, 128, 255}}, channel(out, 1));   // 127.5 rounds up
        assertArrayEquals(new int[][] {{200, 100, 0}}, channel(out, 2));
    }

    @Test
    void sameSizeIsACopy() {
        BgrImage in = grey(new int[][] {{1, 2}, {3, 4}});
        BgrImage out = Resize.linear(in, 2, 2);
        assertArrayEquals(in.pixels(), out.pixels());
    }

    @Test
    void verticalStepRoundsAsOpenCvNotExactly() {
        // 2 -> 5 rows: dst row 1 maps to src 0.1 (float 0.099999905), weights 1843/2048 and 205/2048. Rows of 5
        // and 12 give 5.70 exactly, which exact rounding would make 6; OpenCV computes
        //   ((10240 >> 4) * 1843 >> 16) + ((24576 >> 4) * 205 >> 16) = 17 + 4 = 21, (21 + 2) >> 2 = 5
        // for every byte of the row, the last ones (its scalar tail) included.
        BgrImage out = Resize.linear(grey(new int[][] {{5, 5, 5}, {12, 12, 12}}), 5, 3);
        for (int x = 0; x < 3; x++) {
            for (int c = 0; c < 3; c++) {
                assertEquals(5, out.get(1, x, c), "pixel " + x + " channel " + c);
            }
        }
        assertEquals(5, Resize.vertical(5 * 2048, 12 * 2048, 1843, 205));
    }

    @Test
    void floatPathInterpolatesWithoutRounding() {
        float[] src = {10, 21, 30, 50};
        float[] out = Resize.linear(src, 1, 2, 2, 3, 3);
        float[] expected = {10, 15.5f, 21, 20, 27.75f, 35.5f, 30, 40, 50};
        assertArrayEquals(expected, out, FLOAT_TOL);
        float[] down = Resize.linear(new float[] {0, 60, 120, 180}, 1, 1, 4, 1, 3);
        assertArrayEquals(new float[] {10, 90, 170}, down, 1e-4f);
        assertArrayEquals(src, Resize.linear(src, 1, 2, 2, 2, 2), EXACT);
    }

    @Test
    void floatPathKeepsPlanesApart() {
        float[] src = {1, 1, 1, 1, 5, 5, 5, 5};
        float[] out = Resize.linear(src, 2, 2, 2, 1, 1);
        assertArrayEquals(new float[] {1, 5}, out, FLOAT_TOL);
    }
}

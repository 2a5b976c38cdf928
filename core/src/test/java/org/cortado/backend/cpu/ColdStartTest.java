package org.cortado.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The plain tile that stands in for the vector tile in a fresh JVM ({@link ColdStart}) writes the same bits for
 * every kind of tile a product asks for, so that whether a layer ran before or after C2 compiled the vector tile
 * never shows in its output.
 */
class ColdStartTest {
    @Test
    void thePlainTileOfTheVectorWidthGivesTheVectorTilesBits() {
        assumeTrue(Simd.usable(), "the Vector API is not usable in this JVM");
        GemmKernel vector = new VectorGemmKernel();
        GemmKernel plain = new JavaGemmKernel(vector.nr());
        assertEquals(vector.mr(), plain.mr());
        int mr = vector.mr();
        int nr = vector.nr();
        Random rnd = new Random(7);
        int ldc = nr + 3;
        for (int kc : new int[] {1, 3, 37, Gemm.KC}) {
            float[] a = values(rnd, kc * mr);
            float[] b = values(rnd, kc * nr + 5);
            int[] bRows = new int[kc];
            for (int p = 0; p < kc; p++) {
                bRows[p] = p * nr + (p % 3 == 0 ? 5 : 0);
            }
            float[] init = values(rnd, mr + 2);
            for (int rows = 1; rows <= mr; rows++) {
                for (int cols : new int[] {1, nr - 1, nr}) {
                    for (int form = 0; form < 4; form++) {
                        boolean fromBias = form < 2;
                        boolean relu = form % 2 == 1;
                        float[] c = values(rnd, mr * ldc + 1);
                        float[] c2 = c.clone();
                        vector.tile(kc, a, 0, b, bRows, 0, 0, c, 1, ldc, rows, cols, fromBias ? init : null, 2,
                                new float[mr * nr], relu);
                        plain.tile(kc, a, 0, b, bRows, 0, 0, c2, 1, ldc, rows, cols, fromBias ? init : null, 2,
                                new float[mr * nr], relu);
                        for (int i = 0; i < c.length; i++) {
                            assertEquals(Float.floatToRawIntBits(c[i]), Float.floatToRawIntBits(c2[i]),
                                    "kc " + kc + ", " + rows + " x " + cols + (fromBias ? ", from the bias" : "")
                                            + (relu ? ", ReLU" : "") + ": element " + i);
                        }
                    }
                }
            }
        }
    }

    /** Values of both signs over several magnitudes, with zeros of both signs among them. */
    private static float[] values(Random rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            int kind = rnd.nextInt(20);
            x[i] = kind == 0 ? 0f : kind == 1 ? -0f : (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(7) - 3));
        }
        return x;
    }
}

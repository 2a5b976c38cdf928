package org.cortado.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PcaTsneTest {
    /** Points spread along (1, 2, 2)/3 with small noise: the first axis is that direction and explains nearly all. */
    private static float[][] line(int n, int extraDims, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[][] rows = new float[n][3 + extraDims];
        for (int i = 0; i < n; i++) {
            double t = rng.nextDouble(-5, 5);
            rows[i][0] = (float) (t / 3 + 10 + 0.01 * rng.nextDouble(-1, 1));
            rows[i][1] = (float) (2 * t / 3 - 4 + 0.01 * rng.nextDouble(-1, 1));
            rows[i][2] = (float) (2 * t / 3 + 0.01 * rng.nextDouble(-1, 1));
            for (int j = 3; j < rows[i].length; j++) {
                rows[i][j] = (float) (0.01 * rng.nextDouble(-1, 1));
            }
        }
        return rows;
    }

    @Test
    void firstAxisFollowsTheSpreadWhetherCodesAreShortOrLong() {
        // 40 rows of 3 values: the covariance path; 10 rows of 60 values: the Gram matrix path.
        for (float[][] rows : new float[][][] {line(40, 0, 1), line(10, 57, 2)}) {
            Pca pca = Pca.fit(rows, 2);
            assertEquals(1.0 / 3, pca.axes()[0][0], 1e-3);
            assertEquals(2.0 / 3, pca.axes()[0][1], 1e-3);
            assertEquals(2.0 / 3, pca.axes()[0][2], 1e-3);
            assertTrue(pca.explained()[0] > 0.999, "explained " + pca.explained()[0]);
            double dot = 0;
            for (int j = 0; j < rows[0].length; j++) {
                dot += pca.axes()[0][j] * pca.axes()[1][j];
            }
            assertEquals(0, dot, 1e-6, "the axes are orthogonal");
            double[] p = pca.project(rows[0]);
            double expected = 0;
            for (int j = 0; j < rows[0].length; j++) {
                expected += (rows[0][j] - pca.mean()[j]) * pca.axes()[0][j];
            }
            assertEquals(expected, p[0], 1e-9);
        }
    }

    @Test
    void sameCodesGiveTheSameMap() {
        float[][] rows = line(30, 5, 3);
        assertArrayEquals(Pca.fit(rows, 2).project(rows[4]), Pca.fit(rows, 2).project(rows[4]));
    }

    @Test
    void tsneKeepsTwoSeparateClustersApart() {
        SplittableRandom rng = new SplittableRandom(5);
        int n = 60;
        double[][] x = new double[n][5];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < 5; j++) {
                x[i][j] = rng.nextGaussian() + (i < n / 2 ? 0 : 12);
            }
        }
        double[][] y = Tsne.embed(x);
        double within = 0;
        double between = 0;
        int w = 0;
        int b = 0;
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                double d = Math.hypot(y[i][0] - y[j][0], y[i][1] - y[j][1]);
                if ((i < n / 2) == (j < n / 2)) {
                    within += d;
                    w++;
                } else {
                    between += d;
                    b++;
                }
            }
        }
        assertTrue(between / b > 3 * within / w, "between " + between / b + ", within " + within / w);
        assertArrayEquals(y[7], Tsne.embed(x)[7], "deterministic");
    }
}

package org.cortado.heads;

import java.util.SplittableRandom;

/** Seeded synthetic classification problems. */
final class ToyData {
    final float[][] x;
    final int[] y;

    private ToyData(float[][] x, int[] y) {
        this.x = x;
        this.y = y;
    }

    /**
     * {@code perClass} Gaussian points around one centre per class; centre k has {@code separation} in dimension
     * {@code k % dim} and 0 elsewhere, unit noise.
     */
    static ToyData blobs(int classes, int perClass, int dim, double separation, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[][] x = new float[classes * perClass][dim];
        int[] y = new int[classes * perClass];
        for (int k = 0; k < classes; k++) {
            for (int i = 0; i < perClass; i++) {
                int n = k * perClass + i;
                y[n] = k;
                for (int j = 0; j < dim; j++) {
                    x[n][j] = (float) (gaussian(rng) + (j == k % dim ? separation : 0));
                }
            }
        }
        return new ToyData(x, y);
    }

    static double gaussian(SplittableRandom rng) {
        // Box-Muller: SplittableRandom has no nextGaussian in Java 17.
        double u = 1 - rng.nextDouble();
        double v = rng.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }

    static boolean[] positives(int[] y, int k) {
        boolean[] p = new boolean[y.length];
        for (int i = 0; i < y.length; i++) {
            p[i] = y[i] == k;
        }
        return p;
    }
}

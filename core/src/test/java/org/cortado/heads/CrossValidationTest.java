package org.cortado.heads;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CrossValidationTest {
    @Test
    void foldsAreStratifiedAndSeeded() {
        int[] y = new int[53];
        for (int i = 0; i < y.length; i++) {
            y[i] = i < 40 ? 0 : (i < 50 ? 1 : 2);
        }
        int[] f = StratifiedKFold.assign(y, 3, 5, 1);
        int[][] perFold = new int[5][3];
        for (int i = 0; i < y.length; i++) {
            perFold[f[i]][y[i]]++;
        }
        for (int k = 0; k < 5; k++) {
            assertEquals(8, perFold[k][0]);
            assertEquals(2, perFold[k][1]);
        }
        // the 3 samples of class 2 land in 3 different folds
        int filled = 0;
        for (int k = 0; k < 5; k++) {
            filled += perFold[k][2];
            assertTrue(perFold[k][2] <= 1);
        }
        assertEquals(3, filled);
        assertArrayEquals(f, StratifiedKFold.assign(y, 3, 5, 1));
        assertTrue(!java.util.Arrays.equals(f, StratifiedKFold.assign(y, 3, 5, 2)));
    }

    @Test
    void strongRegularisationLosesToAModerateC() {
        // Imbalanced classes (30 vs 10) with a weak signal: C = 1e-6 shrinks W to ~0 and predicts the majority class.
        ToyData d = ToyData.blobs(2, 20, 6, 1.5, 21);
        int[] y = d.y.clone();
        float[][] x = d.x;
        float[][] imbalanced = new float[30][];
        int[] yi = new int[30];
        int k = 0;
        for (int i = 0; i < x.length && k < 30; i++) {
            if (y[i] == 0 || i % 2 == 0) {
                imbalanced[k] = x[i];
                yi[k++] = y[i];
            }
        }
        for (HeadType type : HeadType.values()) {
            HeadSpec spec = HeadSpec.crossValidated(type).withCrossValidation(new double[] {1e-6, 1e-2, 1}, 5, 3);
            CrossValidation.Result r = CrossValidation.run(spec, imbalanced, yi, 2);
            assertEquals(3, r.candidates().length);
            assertTrue(r.bestC() > 1e-6, type + " chose " + r.bestC());
            assertTrue(r.candidates()[0].meanAccuracy() < bestMean(r), type + " candidates " + describe(r));
            CrossValidation.Result again = CrossValidation.run(spec, imbalanced, yi, 2);
            assertEquals(r.bestC(), again.bestC());
            for (int g = 0; g < 3; g++) {
                assertArrayEquals(r.candidates()[g].foldAccuracy(), again.candidates()[g].foldAccuracy(), 0);
            }
        }
    }

    @Test
    void tiesGoToTheSmallestC() {
        ToyData d = ToyData.blobs(2, 10, 2, 20.0, 5); // trivially separable: every C is perfect
        HeadSpec spec = HeadSpec.crossValidated(HeadType.SVM).withCrossValidation(new double[] {10, 0.1, 1}, 4, 0);
        CrossValidation.Result r = CrossValidation.run(spec, d.x, d.y, 2);
        for (CrossValidation.Candidate c : r.candidates()) {
            assertEquals(1.0, c.meanAccuracy());
        }
        assertEquals(0.1, r.bestC());
    }

    private static double bestMean(CrossValidation.Result r) {
        double m = 0;
        for (CrossValidation.Candidate c : r.candidates()) {
            m = Math.max(m, c.meanAccuracy());
        }
        return m;
    }

    private static String describe(CrossValidation.Result r) {
        StringBuilder sb = new StringBuilder();
        for (CrossValidation.Candidate c : r.candidates()) {
            sb.append(c.c()).append(':').append(c.meanAccuracy()).append(' ');
        }
        return sb.toString();
    }
}

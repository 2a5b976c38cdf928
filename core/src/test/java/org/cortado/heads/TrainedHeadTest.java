package org.cortado.heads;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TrainedHeadTest {
    /** Float32 folding of W / std and b - W mean costs a few ulps relative to the scores' size. */
    private static final double FOLD_TOL = 1e-4;

    /** Codes shaped like CNN codes: non-negative, offset and scaled per dimension, one dead (constant) unit. */
    private static ToyData codes(long seed) {
        ToyData d = ToyData.blobs(3, 20, 8, 2.0, seed);
        for (float[] row : d.x) {
            for (int j = 0; j < row.length; j++) {
                row[j] = Math.max(0, row[j] * (j + 1) + 3 * j);
            }
            row[7] = 0;
        }
        return d;
    }

    @Test
    void affineMapOnRawCodesReproducesScoresAndPredictions() {
        ToyData train = codes(1);
        ToyData test = codes(2);
        for (HeadType type : HeadType.values()) {
            for (Preprocessing p : Preprocessing.values()) {
                HeadSpec spec = HeadSpec.crossValidated(type).withPreprocessing(p).withC(0.3);
                TrainedHead head = TrainedHead.fit(spec, train.x, train.y, 3);
                AffineMap map = head.affineOnRawCodes();
                assertEquals(p == Preprocessing.L2, map.l2NormalizeInput());
                double[][] scores = head.scores(test.x);
                int[] pred = head.predict(test.x);
                for (int i = 0; i < test.x.length; i++) {
                    float[] s = map.apply(test.x[i]);
                    double scale = 1;
                    for (double v : scores[i]) {
                        scale = Math.max(scale, Math.abs(v));
                    }
                    for (int k = 0; k < 3; k++) {
                        assertEquals(scores[i][k], s[k], FOLD_TOL * scale, type + "/" + p + " sample " + i);
                    }
                    assertEquals(pred[i], LinearModel.argmax(toDouble(s)), type + "/" + p + " sample " + i);
                }
            }
        }
    }

    private static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    @Test
    void standardisationIsFittedOnTrainingCodesOnly() {
        ToyData train = codes(3);
        TrainedHead head = TrainedHead.fit(HeadSpec.crossValidated(HeadType.SOFTMAX).withC(1), train.x, train.y, 3);
        double[] mean = head.preprocessor().mean();
        double[] std = head.preprocessor().std();
        double m0 = 0;
        for (float[] row : train.x) {
            m0 += row[2];
        }
        assertEquals(m0 / train.x.length, mean[2], 1e-9);
        assertEquals(1.0, std[7], 0, "dead unit keeps std 1");
        assertEquals(0.0, mean[7], 0);
        float[] z = head.preprocessor().apply(train.x[0]);
        assertEquals((train.x[0][2] - mean[2]) / std[2], z[2], 1e-5);
    }

    @Test
    void l2NormalisationMakesUnitCodes() {
        Preprocessor p = Preprocessor.fit(Preprocessing.L2, new float[0][]);
        float[] z = p.apply(new float[] {3, 4});
        assertArrayEquals(new float[] {0.6f, 0.8f}, z, 1e-7f);
        assertArrayEquals(new float[] {0, 0}, p.apply(new float[] {0, 0}), 0f);
        assertNull(p.mean());
    }

    @Test
    void crossValidatedFitRecordsTheSearch() {
        ToyData train = codes(4);
        HeadSpec spec = HeadSpec.crossValidated(HeadType.SVM).withCrossValidation(new double[] {1e-3, 1e-1, 10}, 3, 1);
        TrainedHead head = TrainedHead.fit(spec, train.x, train.y, 3);
        assertNotNull(head.crossValidation());
        assertEquals(head.crossValidation().bestC(), head.c());
        assertTrue(head.converged(), head.optimizerSummary());
        Evaluation e = head.evaluate(codes(5).x, codes(5).y);
        assertTrue(e.accuracy() > 0.8, "accuracy " + e.accuracy());
        assertFalse(head.optimizerSummary().isEmpty());
    }
}

package org.cortado.heads;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import org.junit.jupiter.api.Test;

/** A head fitted elsewhere keeps its model on raw codes: scores, predictions and the exported map are its own. */
class TrainedHeadOfRawCodesTest {
    private static final LinearModel MODEL = new LinearModel(new double[][] {{1, -2}, {-1, 2}}, new double[] {0.5, -0.5});

    @Test
    void aStandardisingSpecIsNotAppliedAgain() {
        TrainedHead h = TrainedHead.ofRawCodes(HeadSpec.defaults(HeadType.SVM), 2.0, null, MODEL, true, "elsewhere");
        float[][] x = {{3f, 1f}, {0f, 1f}};
        assertArrayEquals(new double[] {1.5, -1.5}, h.scores(x)[0], 1e-12);
        assertArrayEquals(new int[] {0, 1}, h.predict(x));
        AffineMap m = h.affineOnRawCodes();
        assertArrayEquals(new float[] {1f, -2f}, m.weights()[0]);
        assertArrayEquals(new float[] {0.5f, -0.5f}, m.bias());
        assertFalse(m.l2NormalizeInput());
        assertEquals(2.0, h.c());
        assertEquals("elsewhere", h.optimizerSummary());
    }

    @Test
    void anL2SpecStillNormalisesTheCodes() {
        HeadSpec l2 = HeadSpec.defaults(HeadType.SOFTMAX).withPreprocessing(Preprocessing.L2);
        TrainedHead h = TrainedHead.ofRawCodes(l2, 1.0, null, MODEL, true, "elsewhere");
        // (3, 4) normalised is (0.6, 0.8): 0.6 - 1.6 + 0.5.
        assertEquals(-0.5, h.scores(new float[][] {{3f, 4f}})[0][0], 1e-6);
    }
}

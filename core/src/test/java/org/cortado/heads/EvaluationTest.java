package org.cortado.heads;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class EvaluationTest {
    @Test
    void countsByHand() {
        int[] truth = {0, 0, 0, 1, 1, 2, 2, 2, 2};
        int[] pred = {0, 1, 0, 1, 1, 2, 0, 2, 1};
        Evaluation e = Evaluation.of(truth, pred, 4);
        assertEquals(6.0 / 9, e.accuracy(), 1e-15);
        assertArrayEquals(new int[][] {{2, 1, 0, 0}, {0, 2, 0, 0}, {1, 1, 2, 0}, {0, 0, 0, 0}}, e.confusion());
        // class 0: predicted 3 times, 2 right; 3 true
        assertEquals(2.0 / 3, e.precision()[0], 1e-15);
        assertEquals(2.0 / 3, e.recall()[0], 1e-15);
        // class 1: predicted 4 times, 2 right; 2 true
        assertEquals(0.5, e.precision()[1], 1e-15);
        assertEquals(1.0, e.recall()[1], 1e-15);
        assertEquals(2 * 0.5 / 1.5, e.f1()[1], 1e-15);
        // class 2: predicted twice, both right; 4 true
        assertEquals(1.0, e.precision()[2], 1e-15);
        assertEquals(0.5, e.recall()[2], 1e-15);
        // class 3: never seen nor predicted
        assertEquals(0, e.precision()[3]);
        assertEquals(0, e.recall()[3]);
        assertEquals(0, e.f1()[3]);
        assertArrayEquals(new int[] {3, 2, 4, 0}, e.support());
        assertEquals(9, e.count());
    }

    @Test
    void rejectsMismatchedInput() {
        assertThrows(IllegalArgumentException.class, () -> Evaluation.of(new int[] {0}, new int[] {0, 1}, 2));
        assertThrows(IllegalArgumentException.class, () -> Evaluation.of(new int[] {0}, new int[] {2}, 2));
    }
}

package org.cortado.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

class DoubleSumsTest {
    /**
     * Every length around the 8-wide unrolling and the vector form's blocks (up to four vectors of 8 doubles), from
     * an offset, against one running sum in double.
     */
    @Test
    void sumsEqualOneRunningSumToDoubleRounding() {
        Random rnd = new Random(3);
        float[] a = new float[300];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(7) - 3));
        }
        for (int from : new int[] {0, 3}) {
            for (int n = 0; n <= 140; n++) {
                double sum = 0;
                double squares = 0;
                double magnitude = 0;
                for (int i = from; i < from + n; i++) {
                    sum += a[i];
                    squares += (double) a[i] * a[i];
                    magnitude += Math.abs(a[i]);
                }
                String where = n + " elements from " + from;
                assertEquals(sum, DoubleSums.sum(a, from, from + n), 1e-14 * magnitude, where);
                assertEquals(sum, DoubleSums.plainSum(a, from, from + n), 1e-14 * magnitude, where);
                if (Simd.usable()) {
                    assertEquals(sum, VectorDoubleSums.sum(a, from, from + n), 1e-14 * magnitude, where);
                }
                assertEquals(squares, DoubleSums.sumOfSquares(a, from, from + n), 1e-14 * squares, where);
            }
        }
    }

    /** Integers small enough to be exact in any order: every element is counted once, the tail included. */
    @Test
    void everyElementCountsOnce() {
        float[] a = new float[37];
        for (int i = 0; i < a.length; i++) {
            a[i] = i + 1;
        }
        assertEquals(36 * 37 / 2.0 - 1 - 2 + 37, DoubleSums.sum(a, 2, 37));
        assertEquals(36 * 37 / 2.0 - 1 - 2 + 37, DoubleSums.plainSum(a, 2, 37));
        double squares = 0;
        for (int v = 3; v <= 37; v++) {
            squares += v * v;
        }
        assertEquals(squares, DoubleSums.sumOfSquares(a, 2, 37));
    }
}

package org.cortado.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CounterRngTest {
    /** Spread allowed for the mean of N uniforms: about 6 standard deviations (1/sqrt(12 N)). */
    private static final int SAMPLES = 200_000;
    private static final double MEAN_TOL = 6 / Math.sqrt(12.0 * SAMPLES);

    @Test
    void matchesPublishedSplitMix64Outputs() {
        // SplitMix64 seeded with 0 yields these first outputs (the reference sequence of Vigna's splitmix64.c);
        // element i under seed 0 is output i, which pins the constants and the shifts.
        assertEquals(0xE220A8397B1DCDAFL, CounterRng.bits(0, 0));
        assertEquals(0x6E789E6AA1B965F4L, CounterRng.bits(0, 1));
        assertEquals(0x06C45D188009454FL, CounterRng.bits(0, 2));
    }

    @Test
    void uniformIsInUnitIntervalWithMeanOneHalf() {
        double sum = 0;
        for (int i = 0; i < SAMPLES; i++) {
            float u = CounterRng.uniform(12345, i);
            assertTrue(u >= 0f && u < 1f, "uniform(12345, " + i + ") = " + u);
            sum += u;
        }
        assertEquals(0.5, sum / SAMPLES, MEAN_TOL);
    }

    @Test
    void keepFractionFollowsTheRatioAndSeedsDiffer() {
        int kept = 0;
        int agree = 0;
        for (int i = 0; i < SAMPLES; i++) {
            boolean a = CounterRng.keep(7, i, 0.3f);
            kept += a ? 1 : 0;
            agree += a == CounterRng.keep(8, i, 0.3f) ? 1 : 0;
        }
        assertEquals(0.7, (double) kept / SAMPLES, 0.01);
        // Independent masks agree with probability 0.7^2 + 0.3^2 = 0.58, not 1.
        assertEquals(0.58, (double) agree / SAMPLES, 0.01);
    }
}

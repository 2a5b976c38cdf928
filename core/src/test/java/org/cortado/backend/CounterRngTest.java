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

    @Test
    void keepThresholdDecidesAsKeepDoes() {
        // Ratios whose scaled value is and is not an integer, the extremes, and every draw near each threshold.
        float[] ratios = {0f, -0.5f, 0.5f, 0.3f, 0.1f, 1e-9f, Math.nextDown(1f), 1f, 0x1.0p-24f, 3 * 0x1.0p-24f};
        for (float ratio : ratios) {
            int threshold = CounterRng.keepThreshold(ratio);
            for (int draw : new int[] {0, 1, threshold - 1, threshold, threshold + 1, (1 << 24) - 1}) {
                if (draw < 0 || draw >= 1 << 24) {
                    continue;
                }
                boolean kept = draw * 0x1.0p-24f >= ratio;
                assertEquals(kept, draw >= threshold, "ratio " + ratio + ", draw " + draw);
            }
        }
        for (int i = 0; i < 10_000; i++) {
            assertEquals(CounterRng.keep(3, i, 0.3f), (CounterRng.bits(3, i) >>> 40) >= CounterRng.keepThreshold(0.3f));
        }
    }

    @Test
    void gaussianHasMeanZeroAndUnitVariance() {
        double sum = 0;
        double sumSq = 0;
        for (int i = 0; i < SAMPLES; i++) {
            double g = CounterRng.gaussian(99, i);
            sum += g;
            sumSq += g * g;
        }
        // 6 standard deviations: of the mean 6/sqrt(N), of the second moment 6*sqrt(2/N).
        assertEquals(0.0, sum / SAMPLES, 6 / Math.sqrt(SAMPLES));
        assertEquals(1.0, sumSq / SAMPLES, 6 * Math.sqrt(2.0 / SAMPLES));
    }

    @Test
    void uniformIntCoversItsRangeEvenly() {
        int[] counts = new int[7];
        for (int i = 0; i < SAMPLES; i++) {
            counts[CounterRng.uniformInt(5, i, 7)]++;
        }
        for (int c : counts) {
            assertEquals(SAMPLES / 7.0, c, 6 * Math.sqrt(SAMPLES / 7.0));
        }
    }

    @Test
    void derivedStreamsDifferFromTheirParentAndEachOther() {
        long a = CounterRng.derive(1, 0);
        long b = CounterRng.derive(1, 1);
        assertTrue(a != b && a != 1 && b != 1);
        assertEquals(a, CounterRng.derive(1, 0), "derive is a pure function");
    }
}

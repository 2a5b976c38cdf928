package org.cortado.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The warm-up's rounds run every forward path without failing (the background thread drops failures, so this is
 * where one shows), and a whole warm-up stays within its time bound.
 */
class CpuWarmUpTest {
    @Test
    void everyRoundRunsAndGivesTheSameOutputs() {
        CpuWarmUp.Kernels kernels = new CpuWarmUp.Kernels(new CpuBackend(2));
        kernels.round();
        float[][] first = kernels.outputs();
        kernels.round();
        float[][] second = kernels.outputs();
        for (int i = 0; i < first.length; i++) {
            assertArrayEquals(first[i], second[i], "output " + i);
            boolean nonZero = false;
            for (float v : first[i]) {
                nonZero |= v != 0f;
            }
            assertTrue(nonZero, "output " + i + " is all zeros: the kernel did not run on real values");
        }
    }

    @Test
    void aWholeWarmUpEndsWithinItsBound() {
        long start = System.nanoTime();
        CpuWarmUp.run();
        long elapsed = System.nanoTime() - start;
        // The bound is checked between rounds: one round past it at most, and rounds take milliseconds.
        assertTrue(elapsed < CpuWarmUp.MAX_NANOS + 1_000_000_000L, "warm-up took " + elapsed / 1e6 + " ms");
    }
}

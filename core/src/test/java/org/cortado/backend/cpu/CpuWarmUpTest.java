package org.cortado.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListSet;
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

    /**
     * C2 compiles the tile for the branches its profile saw; a branch first taken by a real layer throws the compiled
     * code away. So a round asks for every kind of tile the forward pass does: full and partial in rows and in
     * columns, each writing C from the bias (a first K block) and adding to C (a later one), with and without the
     * fused ReLU, on packed strips of B and on B read in place; and the dot-product form's single rows, pairs of
     * rows, and its tails in columns and in K.
     */
    @Test
    void aRoundAsksForEveryKindOfTile() {
        GemmKernel best = GemmKernel.best();
        Set<String> seen = new ConcurrentSkipListSet<>();
        GemmKernel watched = new GemmKernel() {
            @Override
            public int mr() {
                return best.mr();
            }

            @Override
            public int nr() {
                return best.nr();
            }

            @Override
            public String name() {
                return best.name();
            }

            @Override
            public void tile(int kc, float[] ap, int apOff, float[] b, int[] bRows, int bRowsOff, int bCol,
                             float[] c, int cOff, int ldc, int rows, int cols, float[] rowInit, int rowInitOff,
                             float[] scratch, boolean relu) {
                seen.add(bRows == null ? "packed B" : "B in place");
                seen.add((rows == mr() ? "full rows" : "partial rows") + ", " + (cols == nr() ? "full" : "partial")
                        + " columns, " + (rowInit != null ? "from the bias" : "adding to C") + (relu ? ", ReLU" : ""));
                best.tile(kc, ap, apOff, b, bRows, bRowsOff, bCol, c, cOff, ldc, rows, cols, rowInit, rowInitOff,
                        scratch, relu);
            }

            @Override
            public void dotRows(int m, int n, int k, float alpha, float[] a, int aOff, float[] b, int bOff,
                                float[] c, int cOff, int j0, int j1) {
                seen.add(m == 1 ? "dot: one row" : m % 2 == 1 ? "dot: pairs of rows and one" : "dot: pairs of rows");
                if ((j1 - j0) % 4 != 0) {
                    seen.add("dot: columns past groups of four");
                }
                if (k % 16 != 0) {
                    seen.add("dot: K past whole vectors");
                }
                best.dotRows(m, n, k, alpha, a, aOff, b, bOff, c, cOff, j0, j1);
            }
        };
        new CpuWarmUp.Kernels(new CpuBackend(1, watched)).round();
        Set<String> all = new TreeSet<>();
        for (String rows : new String[] {"full rows", "partial rows"}) {
            for (String cols : new String[] {"full", "partial"}) {
                for (String init : new String[] {"from the bias", "adding to C"}) {
                    all.add(rows + ", " + cols + " columns, " + init);
                    all.add(rows + ", " + cols + " columns, " + init + ", ReLU");
                }
            }
        }
        all.addAll(List.of("packed B", "B in place", "dot: one row", "dot: pairs of rows and one", "dot: columns past groups of four",
                "dot: K past whole vectors"));
        all.removeAll(seen);
        assertTrue(all.isEmpty(), "tiles the warm-up never asks for: " + all);
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

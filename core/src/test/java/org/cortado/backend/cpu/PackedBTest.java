package org.cortado.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** A B packed whole: every K block of every strip is op(B)'s block, zero past the last column. */
class PackedBTest {
    @Test
    void panelsAndCopiedBlocksHoldOpBWithZerosPastTheLastColumn() {
        int k = 37;
        int n = 45;
        int nr = 16;
        float[] stored = GemmTest.random(new Random(4), k * n + 3);
        for (boolean transB : new boolean[] {false, true}) {
            PackedB b = PackedB.of(transB, k, n, stored, 3, nr);
            int pc = 5;
            int kc = 20;
            float[] block = new float[3 * kc * nr];
            b.pack(pc, kc, 0, n, nr, block);
            for (int p = 0; p < kc; p++) {
                for (int j = 0; j < 3 * nr; j++) {
                    float want = j >= n ? 0f
                            : transB ? stored[3 + j * k + pc + p] : stored[3 + (pc + p) * n + j];
                    assertEquals(want, b.data()[b.panel(pc, j) + p * nr + j % nr], "panel, row " + p + " col " + j);
                    assertEquals(want, block[(j / nr) * kc * nr + p * nr + j % nr], "copy, row " + p + " col " + j);
                }
            }
        }
    }
}

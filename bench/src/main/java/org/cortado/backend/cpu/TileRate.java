package org.cortado.backend.cpu;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Locale;

/**
 * The GEMM tile alone ({@link GemmKernel#best()}'s {@code tile}, package-private, hence this package), one thread,
 * on panels that stay in L1: the rate of its k loop and write-back without packing, blocking or threads, for A/B
 * comparisons of kernel shapes on a loaded machine. Times are the thread's CPU time and the best of 30 rounds is
 * printed (preemption only ever lowers a round's rate). Usage:
 * {@code java --add-modules jdk.incubator.vector -cp ... org.cortado.backend.cpu.TileRate KC [packed|table|mixed]}:
 * B as a packed strip (row table null), through a row table, or alternating the two.
 */
public final class TileRate {
    private TileRate() {
    }

    public static void main(String[] args) {
        GemmKernel kernel = GemmKernel.best();
        int mr = kernel.mr();
        int nr = kernel.nr();
        int kc = Integer.parseInt(args[0]);
        String rowsKind = args.length > 1 ? args[1] : "packed";
        float[] ap = new float[mr * kc];
        float[] b = new float[kc * nr];
        float[] c = new float[mr * nr];
        float[] scratch = new float[mr * nr];
        float[] init = new float[mr];
        int[] table = new int[kc];
        for (int p = 0; p < kc; p++) {
            table[p] = p * nr;
        }
        for (int i = 0; i < ap.length; i++) {
            ap[i] = 0.001f * (i % 13);
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = 0.001f * (i % 11);
        }
        ThreadMXBean clock = ManagementFactory.getThreadMXBean();
        double flops = 2.0 * mr * nr * kc;
        long calls = (long) (1e9 / flops);
        double best = 0;
        for (int round = 0; round < 40; round++) {
            long t0 = clock.getCurrentThreadCpuTime();
            for (long i = 0; i < calls; i++) {
                boolean packed = rowsKind.equals("packed") || rowsKind.equals("mixed") && (i & 2) == 0;
                // Alternately from the bias and adding to C, as a product's first and later K blocks do.
                kernel.tile(kc, ap, 0, b, packed ? null : table, 0, 0, c, 0, nr, mr, nr, (i & 1) == 0 ? init : null,
                        0, scratch, false);
            }
            long t1 = clock.getCurrentThreadCpuTime();
            if (round >= 10) {
                best = Math.max(best, calls * flops / (t1 - t0));
            }
        }
        System.out.printf(Locale.ROOT, "%s tile %d x %d, kc %d, B %s: best %.1f GFLOP/s%n", kernel.name(), mr, nr, kc,
                rowsKind, best);
    }
}

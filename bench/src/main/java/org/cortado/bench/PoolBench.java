package org.cortado.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Locale;
import org.cortado.backend.PoolGeometry;
import org.cortado.backend.cpu.CpuBackend;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * The Zoo's pooling layers at batch 1 in a steady loop on one thread (its CPU time, ms per call), without the rest of
 * the net: the kernels' own speed once C2 has compiled them, where a short {@link LayerProfile} also times the JIT.
 * Prints one line per round; the last is the steady one. Run it against two commits' core jars, alternated, to
 * compare: {@code java --add-modules jdk.incubator.vector -Dcortado.warmup=false -cp <bench classes>:<core jar>
 * org.cortado.bench.PoolBench [ROUNDS]}.
 */
public final class PoolBench {
    /** batch, channels, in (square), kernel, stride, out; the last two rows are whole-plane AVE. */
    private static final int[][] LAYERS = {
        {1, 64, 224, 2, 2, 112}, {1, 128, 112, 2, 2, 56},                          // VGG-16 pool1, pool2
        {1, 96, 55, 3, 2, 27}, {1, 256, 27, 3, 2, 13}, {1, 256, 13, 3, 2, 6},      // AlexNet pool1, 2, 5
        {1, 64, 113, 3, 2, 56}, {1, 128, 56, 3, 2, 28}, {1, 256, 28, 3, 2, 14},    // SqueezeNet v1.1 pool1, 3, 5
        {1, 1000, 14, 14, 1, 1}, {1, 1024, 7, 7, 1, 1},                            // SqueezeNet pool10, GoogLeNet pool5
    };

    private PoolBench() {
    }

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        CpuBackend cpu = new CpuBackend(1);
        ThreadMXBean clock = ManagementFactory.getThreadMXBean();
        for (int round = 0; round < rounds; round++) {
            StringBuilder line = new StringBuilder("round " + (round + 1) + ":");
            for (int[] d : LAYERS) {
                boolean ave = d == LAYERS[LAYERS.length - 1] || d == LAYERS[LAYERS.length - 2];
                PoolGeometry g = new PoolGeometry(d[0], d[1], d[2], d[2], d[3], d[3], d[4], d[4], 0, 0, d[5], d[5]);
                Tensor in = Tensor.zeros(Shape.of(d[0], d[1], d[2], d[2]));
                float[] x = in.hostData();
                for (int i = 0; i < x.length; i++) {
                    x[i] = (i * 7919 % 1013) / 500f - 1f;
                }
                Tensor out = Tensor.zeros(Shape.of(d[0], d[1], d[5], d[5]));
                // About 0.2 G inputs a round (a tenth in the first), half as many calls again untimed before.
                int calls = Math.max(20, (int) (2e8 / x.length / (round == 0 ? 10 : 1)));
                for (int r = 0; r < calls / 2; r++) {
                    pool(cpu, ave, g, in, out);
                }
                long t0 = clock.getCurrentThreadCpuTime();
                for (int r = 0; r < calls; r++) {
                    pool(cpu, ave, g, in, out);
                }
                double ms = (clock.getCurrentThreadCpuTime() - t0) / 1e6 / calls;
                line.append(String.format(Locale.ROOT, " %s %dx%dx%d k%d/s%d %.3f;", ave ? "AVE" : "MAX", d[1], d[2],
                        d[2], d[3], d[4], ms));
            }
            System.out.println(line);
        }
    }

    private static void pool(CpuBackend cpu, boolean ave, PoolGeometry g, Tensor in, Tensor out) {
        if (ave) {
            cpu.avePoolForward(g, in, out);
        } else {
            cpu.maxPoolForward(g, in, out, null);
        }
    }
}

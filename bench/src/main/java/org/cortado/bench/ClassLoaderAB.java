package org.cortado.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.Locale;

/**
 * {@code org.cortado.backend.cpu.ConvParts}' layers from two builds of the core in one JVM, each build in its own class
 * loader, timed alternately round after round (one thread, CPU time): on a loaded machine two JVMs run minutes apart
 * see different loads, while here both sides share each moment's. Prints per layer each side's best round and the
 * ratio. Usage: {@code ClassLoaderAB CORE_A CORE_B BENCH_CLASSES ROUNDS LAYER...} (CORE_*: a core jar or classes
 * directory; BENCH_CLASSES: the directory holding ConvParts, compiled against either).
 */
public final class ClassLoaderAB {
    private ClassLoaderAB() {
    }

    public static void main(String[] args) throws Exception {
        Path bench = Path.of(args[2]);
        int rounds = Integer.parseInt(args[3]);
        ClassLoader[] loaders = {loader(Path.of(args[0]), bench), loader(Path.of(args[1]), bench)};
        ThreadMXBean clock = ManagementFactory.getThreadMXBean();
        for (int l = 4; l < args.length; l++) {
            String layer = args[l];
            Runnable[] runs = new Runnable[2];
            double flops = 0;
            for (int side = 0; side < 2; side++) {
                Class<?> parts = Class.forName("org.cortado.backend.cpu.ConvParts", true, loaders[side]);
                runs[side] = (Runnable) parts.getMethod("forwardOf", String.class).invoke(null, layer);
                flops = (double) parts.getMethod("flops", String.class).invoke(null, layer);
            }
            int calls = (int) Math.max(1, 1e8 / flops);
            double[] best = {Double.MAX_VALUE, Double.MAX_VALUE};
            for (int r = 0; r < rounds + 10; r++) {
                for (int side = 0; side < 2; side++) {
                    // A B, then B A: neither side always runs right after the other.
                    int s = (r & 1) == 0 ? side : 1 - side;
                    long t0 = clock.getCurrentThreadCpuTime();
                    for (int i = 0; i < calls; i++) {
                        runs[s].run();
                    }
                    long t1 = clock.getCurrentThreadCpuTime();
                    if (r >= 10) {
                        best[s] = Math.min(best[s], (t1 - t0) / 1e6 / calls);
                    }
                }
            }
            System.out.printf(Locale.ROOT, "%-22s A %8.3f ms (%5.1f GFLOP/s)  B %8.3f ms (%5.1f GFLOP/s)  B/A %.2f%n",
                    layer, best[0], flops / best[0] / 1e6, best[1], flops / best[1] / 1e6, best[1] / best[0]);
        }
    }

    private static ClassLoader loader(Path core, Path bench) throws Exception {
        return new URLClassLoader(new URL[] {core.toUri().toURL(), bench.toUri().toURL()},
                ClassLoader.getPlatformClassLoader());
    }
}

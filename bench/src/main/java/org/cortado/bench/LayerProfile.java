package org.cortado.bench;

import java.util.Locale;
import java.util.Map;
import org.cortado.backend.cpu.CpuBackend;
import org.cortado.io.Npy;
import org.cortado.layers.Layer;
import org.cortado.net.Net;
import org.cortado.tensor.Tensor;

/**
 * Where a forward pass spends its time, layer by layer (a guide for optimisation, not a benchmark: no JMH, so
 * read it as relative shares). Usage: {@code LayerProfile alexnet|squeezenet BATCH [REPEATS [THREADS]]}. With one
 * thread the times are the thread's CPU time, which other processes on a loaded machine disturb far less than
 * wall time.
 */
public final class LayerProfile {
    private LayerProfile() {
    }

    public static void main(String[] args) {
        String which = args.length > 0 ? args[0] : "alexnet";
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 16;
        int repeats = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        int threads = args.length > 3 ? Integer.parseInt(args[3]) : Runtime.getRuntime().availableProcessors();
        CpuBackend backend = new CpuBackend(threads);
        java.lang.management.ThreadMXBean clock = java.lang.management.ManagementFactory.getThreadMXBean();
        Net net = which.equals("alexnet") ? Nets.alexnet(backend) : Nets.squeezenet(backend);
        String last = which.equals("alexnet") ? Nets.ALEXNET_CODES : Nets.SQUEEZENET_CODES;
        net.forwardTo(Map.of(net.inputNames().get(0), Npy.read(Nets.input(batch))), last);
        int end = net.indexOf(last);
        double[] ns = new double[end + 1];
        for (int r = 0; r < repeats + 2; r++) {
            for (int i = 0; i <= end; i++) {
                Layer layer = net.layers().get(i);
                long t0 = threads == 1 ? clock.getCurrentThreadCpuTime() : System.nanoTime();
                layer.forward(backend, net.phase(), net.bottomsOf(i), net.topsOf(i));
                long t1 = threads == 1 ? clock.getCurrentThreadCpuTime() : System.nanoTime();
                if (r >= 2) {
                    ns[i] += t1 - t0;
                }
            }
        }
        double total = 0;
        for (double v : ns) {
            total += v;
        }
        for (int i = 0; i <= end; i++) {
            Layer layer = net.layers().get(i);
            System.out.printf(Locale.ROOT, "%-22s %-14s %8.2f ms %5.1f%%%n", layer.name(), layer.type(),
                    ns[i] / repeats / 1e6, 100 * ns[i] / total);
        }
        System.out.printf(Locale.ROOT, "total %.2f ms per batch of %d (%.1f img/s), %s, %s time%n",
                total / repeats / 1e6, batch, batch * 1e9 * repeats / total, backend.name(),
                threads == 1 ? "CPU" : "wall");
    }
}

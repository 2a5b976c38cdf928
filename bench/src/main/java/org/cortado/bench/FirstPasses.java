package org.cortado.bench;

import java.util.Locale;
import java.util.Map;
import org.cortado.backend.cpu.CpuBackend;
import org.cortado.net.Net;
import org.cortado.tensor.Tensor;

/**
 * The cost of a fresh JVM: the time to load a net and that of its first forward passes, which include HotSpot
 * compiling the kernels (the Vector API ones run a hundred times slower until C2 has). Run it once per JVM, with
 * {@code -Dcortado.warmup=true|false} alternated, to compare with and without the CPU backend's warm-up thread.
 *
 * <p>Usage: {@code java --add-modules jdk.incubator.vector -Dcortado.shared=DIR -cp ... org.cortado.bench.FirstPasses
 * squeezenet|alexnet BATCH [PASSES]}.
 */
public final class FirstPasses {
    private FirstPasses() {
    }

    public static void main(String[] args) {
        if (args.length < 2) {
            System.err.println("usage: FirstPasses squeezenet|alexnet BATCH [PASSES]");
            System.exit(2);
        }
        int passes = args.length > 2 ? Integer.parseInt(args[2]) : 4;
        long start = System.nanoTime();
        CpuBackend cpu = new CpuBackend();
        Net net = args[0].equals("alexnet") ? Nets.alexnet(cpu) : Nets.squeezenet(cpu);
        net.fuseReLUs();
        net.writeConcatsInPlace();
        Tensor input = Nets.randomInput(Integer.parseInt(args[1]));
        Map<String, Tensor> inputs = Map.of(net.inputNames().get(0), input);
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%s batch %s, warm-up %s: load %.0f ms",
                args[0], args[1], System.getProperty("cortado.warmup", "true"), (System.nanoTime() - start) / 1e6));
        for (int i = 0; i < passes; i++) {
            long t = System.nanoTime();
            net.forward(inputs);
            line.append(String.format(Locale.ROOT, ", pass %d %.0f ms", i + 1, (System.nanoTime() - t) / 1e6));
        }
        line.append(String.format(Locale.ROOT, "; in all %.0f ms", (System.nanoTime() - start) / 1e6));
        System.out.println(line);
        System.exit(0);
    }
}

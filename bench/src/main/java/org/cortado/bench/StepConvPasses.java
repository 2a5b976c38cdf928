package org.cortado.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Locale;
import java.util.Random;
import java.util.function.LongSupplier;
import org.cortado.backend.ConvGeometry;
import org.cortado.backend.cpu.CpuBackend;
import org.cortado.layers.ConvolutionLayer;
import org.cortado.layers.Layer;
import org.cortado.layers.LayerType;
import org.cortado.net.Net;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * The convolutions of a fine-tuning step ({@link Nets#fineTuning}) split into their passes: forward (with the fused
 * ReLU), filter gradient (with the bias gradient, also timed alone) and data gradient (where the step runs it), each
 * timed alone on
 * random operands of the layer's shapes, with its rate. A guide for optimising the backward passes, not a benchmark.
 * Usage: {@code StepConvPasses squeezenet|alexnet [BATCH [REPEATS [THREADS [all|frozen]]]]}; with one thread the times
 * are the thread's CPU time, else wall time.
 */
public final class StepConvPasses {
    private StepConvPasses() {
    }

    public static void main(String[] args) {
        String which = args.length > 0 ? args[0] : "squeezenet";
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 16;
        int repeats = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        int threads = args.length > 3 ? Integer.parseInt(args[3]) : Runtime.getRuntime().availableProcessors();
        boolean frozen = args.length > 4 && args[4].equals("frozen");
        CpuBackend backend = new CpuBackend(threads);
        ThreadMXBean clock = ManagementFactory.getThreadMXBean();
        LongSupplier now = threads == 1 ? clock::getCurrentThreadCpuTime : System::nanoTime;
        Nets.FineTuning ft = Nets.fineTuning(which, frozen, true, batch, backend);
        Net net = ft.net();
        ft.step();
        Random random = new Random(7);
        double[] sums = new double[4];
        System.out.printf(Locale.ROOT, "%-20s %-24s %18s %18s %18s %8s%n", "layer", "shape", "forward ms GF/s",
                "filter ms GF/s", "data ms GF/s", "bias ms");
        for (int i = 0; i < net.layers().size(); i++) {
            Layer layer = net.layers().get(i);
            if (!(layer instanceof ConvolutionLayer conv) || net.backwardRuns(layer.name()) == 0) {
                continue;
            }
            ConvGeometry g = conv.geometry();
            boolean learned = conv.params().get(0).isLearned();
            int[] from = net.producerOf(i, 0);
            boolean data = net.layers().get(from[0]).type() != LayerType.INPUT;
            Tensor input = random(random, g.batch(), g.inChannels(), g.inH(), g.inW());
            Tensor weight = random(random, g.outChannels(), g.inChannelsPerGroup(), g.kernelH(), g.kernelW());
            Tensor bias = random(random, g.outChannels());
            Tensor output = Tensor.zeros(Shape.of(g.batch(), g.outChannels(), g.outH(), g.outW()));
            Tensor dout = random(random, g.batch(), g.outChannels(), g.outH(), g.outW());
            Tensor dinp = Tensor.zeros(input.shape());
            Tensor dweight = Tensor.zeros(weight.shape());
            Tensor dbias = Tensor.zeros(bias.shape());
            double fwd = time(repeats, now, () -> backend.convolutionReluForward(g, input, weight, bias, output));
            double filter = learned ? time(repeats, now,
                    () -> backend.convolutionBackwardFilter(g, input, dout, dweight, dbias)) : 0;
            double biasMs = learned ? time(repeats, now, () -> backend.biasBackward(dout, dbias, g.batch(),
                    g.outChannels(), g.outH() * g.outW())) : 0;
            sums[3] += biasMs;
            double dat = data ? time(repeats, now, () -> backend.convolutionBackwardData(g, weight, dout, dinp)) : 0;
            sums[0] += fwd;
            sums[1] += filter;
            sums[2] += dat;
            String shape = String.format(Locale.ROOT, "%d->%d %dx%d/%d %dx%d", g.inChannels(), g.outChannels(),
                    g.kernelH(), g.kernelW(), g.strideH(), g.outH(), g.outW());
            System.out.printf(Locale.ROOT, "%-20s %-24s %18s %18s %18s %8.2f%n", layer.name(), shape, rate(g, fwd),
                    learned ? rate(g, filter) : "frozen", data ? rate(g, dat) : "none", biasMs);
        }
        System.out.printf(Locale.ROOT, "total forward %.1f ms, filter %.1f ms (of which bias %.1f ms), data %.1f ms (%s "
                        + "%s, batch %d, %d thread(s), %s time)%n", sums[0], sums[1], sums[3], sums[2], which, frozen ? "frozen" : "all layers",
                batch, threads, threads == 1 ? "CPU" : "wall");
    }

    private static String rate(ConvGeometry g, double ms) {
        return String.format(Locale.ROOT, "%8.2f %6.1f", ms, g.flops() / (ms * 1e6));
    }

    /** Milliseconds per run, after one run to warm up. */
    private static double time(int repeats, LongSupplier now, Runnable pass) {
        pass.run();
        long t0 = now.getAsLong();
        for (int r = 0; r < repeats; r++) {
            pass.run();
        }
        return (now.getAsLong() - t0) / 1e6 / repeats;
    }

    private static Tensor random(Random random, int... dims) {
        Tensor t = Tensor.zeros(Shape.of(dims));
        float[] d = t.hostData();
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) random.nextGaussian();
        }
        return t;
    }
}

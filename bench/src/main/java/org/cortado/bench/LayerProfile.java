package org.cortado.bench;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;
import org.cortado.backend.ConvGeometry;
import org.cortado.backend.cpu.CpuBackend;
import org.cortado.io.Npy;
import org.cortado.layers.ConvolutionLayer;
import org.cortado.layers.Layer;
import org.cortado.layers.Phase;
import org.cortado.net.LoadedNet;
import org.cortado.net.Net;
import org.cortado.tensor.Tensor;

/**
 * Where a forward pass or a fine-tuning step spends its time, layer by layer (a guide for optimisation, not a
 * benchmark: no JMH, so read it as relative shares). Usage:
 * {@code LayerProfile alexnet|squeezenet|ZOO_NET BATCH [REPEATS [THREADS [forward|unfused|all|frozen]]]}:
 * {@code forward} (the default) times the inference net to its code layer (a Zoo net of {@link ZooAssets}: to its
 * last layer) with each convolution fused with its ReLU (the ReLU's row then reads 0; concats are still copied and
 * BatchNorm and Scale run unfolded, as the profile runs layer by layer), {@code unfused} layer by layer;
 * {@code all} and {@code frozen} time the steps of
 * {@link FinetuneBench}: each layer's forward (TRAIN phase, or TEST for a pruned MAX pooling, as the net runs it; a
 * frozen prefix's concats, which the net writes in place, are copied here) and backward, and the solver update. With one thread the
 * times are the thread's CPU time, which other processes on a loaded machine disturb far less than wall time.
 *
 * <p>The backward of each layer is re-run on the gradient tensors of a complete {@link Net#backward}, in the same
 * order, with the same pruning (layers whose backward never ran are skipped): the work is the same, though a blob
 * read by several layers gets its gradients overwritten rather than summed.
 */
public final class LayerProfile {
    private LayerProfile() {
    }

    public static void main(String[] args) {
        String which = args.length > 0 ? args[0] : "alexnet";
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 16;
        int repeats = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        int threads = args.length > 3 ? Integer.parseInt(args[3]) : Runtime.getRuntime().availableProcessors();
        String mode = args.length > 4 ? args[4] : "forward";
        CpuBackend backend = new CpuBackend(threads);
        ThreadMXBean clock = ManagementFactory.getThreadMXBean();
        LongSupplier now = threads == 1 ? clock::getCurrentThreadCpuTime : System::nanoTime;
        String time = threads == 1 ? "CPU" : "wall";
        if (mode.equals("forward") || mode.equals("unfused")) {
            profileForward(which, batch, repeats, mode.equals("forward"), backend, now, time);
        } else if (mode.equals("all") || mode.equals("frozen")) {
            profileStep(which, mode.equals("frozen"), batch, repeats, backend, now, time);
        } else {
            throw new IllegalArgumentException("mode must be forward, unfused, all or frozen, got '" + mode + "'");
        }
    }

    private static void profileForward(String which, int batch, int repeats, boolean fused, CpuBackend backend,
                                       LongSupplier now, String time) {
        boolean zoo = !which.equals("alexnet") && !which.equals("squeezenet");
        Net net = zoo ? LoadedNet.load(ZooAssets.prototxt(which), Nets.require(ZooAssets.model(which)), Phase.TEST,
                backend).net() : which.equals("alexnet") ? Nets.alexnet(backend) : Nets.squeezenet(backend);
        if (fused) {
            net.fuseReLUs();
        }
        String last = zoo ? net.layers().get(net.layers().size() - 1).name()
                : which.equals("alexnet") ? Nets.ALEXNET_CODES : Nets.SQUEEZENET_CODES;
        Path input = zoo ? Nets.require(ZooAssets.input(which, batch)) : Nets.input(batch);
        net.forwardTo(Map.of(net.inputNames().get(0), Npy.read(input)), last);
        int end = net.indexOf(last);
        double[] ns = new double[end + 1];
        for (int r = 0; r < repeats + 2; r++) {
            for (int i = 0; i <= end; i++) {
                if (net.isFusedIntoPrevious(i)) {
                    continue;
                }
                long t0 = now.getAsLong();
                if (i < end && net.isFusedIntoPrevious(i + 1)) {
                    ((ConvolutionLayer) net.layers().get(i)).forwardWithRelu(backend, net.bottomsOf(i), net.topsOf(i));
                } else {
                    net.layers().get(i).forward(backend, net.phase(), net.bottomsOf(i), net.topsOf(i));
                }
                if (r >= 2) {
                    ns[i] += now.getAsLong() - t0;
                }
            }
        }
        double total = sum(ns);
        Map<String, Double> byType = new java.util.TreeMap<>();
        for (int i = 0; i <= end; i++) {
            Layer layer = net.layers().get(i);
            double ms = ns[i] / repeats / 1e6;
            byType.merge(layer.type().toString(), ms, Double::sum);
            System.out.printf(Locale.ROOT, "%-26s %-14s %8.2f ms %5.1f%%%s%n", layer.name(), layer.type(), ms,
                    100 * ns[i] / total, layer instanceof ConvolutionLayer c ? convolution(c.geometry(), ms) : "");
        }
        byType.forEach((type, ms) -> System.out.printf(Locale.ROOT, "%-41s %8.2f ms %5.1f%%%n", "all " + type, ms,
                100 * ms * repeats * 1e6 / total));
        System.out.printf(Locale.ROOT, "total %.2f ms per batch of %d (%.1f img/s), %s, %s time%n",
                total / repeats / 1e6, batch, batch * 1e9 * repeats / total, backend.name(), time);
    }

    private static void profileStep(String which, boolean frozen, int batch, int repeats, CpuBackend backend,
                                    LongSupplier now, String time) {
        Nets.FineTuning ft = Nets.fineTuning(which, frozen, true, batch, backend);
        Net net = ft.net();
        for (int r = 0; r < 2; r++) {
            ft.step();
        }
        int n = net.layers().size();
        boolean[] runs = new boolean[n];
        for (int i = 0; i < n; i++) {
            runs[i] = net.backwardRuns(net.layers().get(i).name()) > 0;
        }
        double[] fwd = new double[n];
        double[] bwd = new double[n];
        double[] other = new double[2]; // clear the gradients, update
        for (int r = 0; r < repeats + 1; r++) {
            boolean counted = r >= 1;
            net.setMode(Phase.TRAIN);
            long t0 = now.getAsLong();
            net.clearParamDiffs();
            long t1 = now.getAsLong();
            other[0] += counted ? t1 - t0 : 0;
            net.forward(ft.inputs());
            for (int i = 0; i < n; i++) {
                t0 = now.getAsLong();
                // As the net runs it: a layer whose backward is pruned keeps nothing for it (MAX pooling's argmax).
                Layer layer = net.layers().get(i);
                layer.forward(backend, !runs[i] && layer.trainsOnlyForBackward() ? Phase.TEST : Phase.TRAIN,
                        net.bottomsOf(i), net.topsOf(i));
                fwd[i] += counted ? now.getAsLong() - t0 : 0;
            }
            net.backward();
            for (int i = n - 1; i >= 0; i--) {
                if (!runs[i]) {
                    continue;
                }
                Layer layer = net.layers().get(i);
                List<Tensor> dTops = new ArrayList<>();
                for (int t = 0; t < layer.tops().size(); t++) {
                    dTops.add(net.topDiffOf(i, t));
                }
                List<Tensor> dBottoms = new ArrayList<>();
                for (int b = 0; b < layer.bottoms().size(); b++) {
                    int[] from = net.producerOf(i, b);
                    dBottoms.add(net.topDiffOf(from[0], from[1]));
                }
                t0 = now.getAsLong();
                layer.backward(backend, net.bottomsOf(i), net.topsOf(i), dTops, dBottoms);
                bwd[i] += counted ? now.getAsLong() - t0 : 0;
            }
            t0 = now.getAsLong();
            ft.solver().applyUpdate();
            other[1] += counted ? now.getAsLong() - t0 : 0;
        }
        double total = sum(fwd) + sum(bwd) + sum(other);
        System.out.printf(Locale.ROOT, "%-22s %-16s %9s %9s %6s%n", "layer", "type", "forward", "backward", "share");
        for (int i = 0; i < n; i++) {
            Layer layer = net.layers().get(i);
            System.out.printf(Locale.ROOT, "%-22s %-16s %9.2f %9s %5.1f%%%n", layer.name(), layer.type(),
                    fwd[i] / repeats / 1e6, runs[i] ? String.format(Locale.ROOT, "%.2f", bwd[i] / repeats / 1e6)
                            : "pruned", 100 * (fwd[i] + bwd[i]) / total);
        }
        Map<String, double[]> byType = new java.util.TreeMap<>();
        for (int i = 0; i < n; i++) {
            double[] t = byType.computeIfAbsent(net.layers().get(i).type().toString(), k -> new double[2]);
            t[0] += fwd[i];
            t[1] += bwd[i];
        }
        for (var e : byType.entrySet()) {
            System.out.printf(Locale.ROOT, "%-39s %9.2f %9.2f %5.1f%%%n", "all " + e.getKey(),
                    e.getValue()[0] / repeats / 1e6, e.getValue()[1] / repeats / 1e6,
                    100 * (e.getValue()[0] + e.getValue()[1]) / total);
        }
        System.out.printf(Locale.ROOT, "forward %.1f ms, backward %.1f ms, clear %.1f ms, update %.1f ms: step %.1f ms "
                        + "per batch of %d (%.1f img/s), %s %s, %s time%n", sum(fwd) / repeats / 1e6,
                sum(bwd) / repeats / 1e6, other[0] / repeats / 1e6, other[1] / repeats / 1e6, total / repeats / 1e6,
                batch, batch * 1e9 * repeats / total, which, frozen ? "frozen" : "all layers", time);
    }

    /** A convolution's shape (C -> K, kernel, stride, output size, group) and its rate at {@code ms} per pass. */
    private static String convolution(ConvGeometry g, double ms) {
        return String.format(Locale.ROOT, "  %d->%d %dx%d/%d %dx%d%s %.1f GFLOP/s", g.inChannels(), g.outChannels(),
                g.kernelH(), g.kernelW(), g.strideH(), g.outH(), g.outW(), g.group() > 1 ? " g" + g.group() : "",
                g.flops() / (ms * 1e6));
    }

    private static double sum(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s;
    }
}

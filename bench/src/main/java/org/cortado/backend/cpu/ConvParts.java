package org.cortado.backend.cpu;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.cortado.backend.ConvGeometry;

/**
 * GEMM-based convolution layers of the Zoo nets, each alone at batch 1 on one thread with its operands hot in the
 * caches (CPU time, best of the timed rounds, each round at least 1e8 FLOP): how far a layer's forward pass runs
 * below the tile's own rate ({@link TileRate}), without the cache misses and JIT state of a whole net's pass. Usage:
 * {@code java --add-modules jdk.incubator.vector -cp ... org.cortado.backend.cpu.ConvParts [ROUNDS] [LAYER...]} (no
 * layer: all of them; names in {@link #LAYERS}).
 */
public final class ConvParts {
    private ConvParts() {
    }

    /** The layers, by net and name, at batch 1. */
    static final Map<String, ConvGeometry> LAYERS = new LinkedHashMap<>();
    /** The weights here are never written: one stamp for all calls, so their derived forms are kept as in a net. */
    private static final long WEIGHTS_UNWRITTEN = 1;

    static {
        LAYERS.put("sq11-conv10", g(512, 14, 1000, 1, 1, 0, 1));
        LAYERS.put("sq10-conv-final", g(512, 13, 1000, 1, 1, 1, 1));
        LAYERS.put("sq11-fire9-squeeze", g(512, 14, 64, 1, 1, 0, 1));
        LAYERS.put("sq11-fire4-expand3x3", g(32, 28, 128, 3, 1, 1, 1));
        LAYERS.put("sq11-fire3-expand3x3", g(16, 56, 64, 3, 1, 1, 1));
        LAYERS.put("sq11-conv1", new ConvGeometry(1, 3, 227, 227, 64, 3, 3, 2, 2, 0, 0, 1, 1, 1));
        LAYERS.put("alex-conv1", new ConvGeometry(1, 3, 227, 227, 96, 11, 11, 4, 4, 0, 0, 1, 1, 1));
        LAYERS.put("alex-conv2", g(96, 27, 256, 5, 1, 2, 2));
        LAYERS.put("alex-conv4", g(384, 13, 384, 3, 1, 1, 2));
        LAYERS.put("alex-conv5", g(384, 13, 256, 3, 1, 1, 2));
        LAYERS.put("vgg-conv1_2", g(64, 224, 64, 3, 1, 1, 1));
        LAYERS.put("res5a-branch1", g(1024, 14, 2048, 1, 2, 0, 1));
        LAYERS.put("res4a-branch1", g(512, 28, 1024, 1, 2, 0, 1));
        LAYERS.put("res4a-branch2a", g(512, 28, 256, 1, 2, 0, 1));
        LAYERS.put("res4b-branch2c", g(256, 14, 1024, 1, 1, 0, 1));
        LAYERS.put("nin-conv1", new ConvGeometry(1, 3, 224, 224, 96, 11, 11, 4, 4, 0, 0, 1, 1, 1));
        LAYERS.put("nin-cccp1", g(96, 54, 96, 1, 1, 0, 1));
        LAYERS.put("nin-conv2", g(96, 27, 256, 5, 1, 2, 1));
        LAYERS.put("nin-conv4", g(384, 6, 1024, 3, 1, 1, 1));
        LAYERS.put("nin-cccp7", g(1024, 6, 1024, 1, 1, 0, 1));
        LAYERS.put("goog-4a-1x1", g(480, 14, 192, 1, 1, 0, 1));
        LAYERS.put("goog-3a-1x1", g(192, 28, 64, 1, 1, 0, 1));
        LAYERS.put("goog-5b-1x1", g(832, 7, 384, 1, 1, 0, 1));
    }

    private static ConvGeometry g(int c, int hw, int k, int kernel, int stride, int pad, int group) {
        return new ConvGeometry(1, c, hw, hw, k, kernel, kernel, stride, stride, pad, pad, 1, 1, group);
    }

    public static void main(String[] args) {
        int at = 0;
        int rounds = 30;
        if (args.length > 0 && args[0].matches("\\d+")) {
            rounds = Integer.parseInt(args[0]);
            at = 1;
        }
        String[] names = args.length > at ? java.util.Arrays.copyOfRange(args, at, args.length)
                : LAYERS.keySet().toArray(new String[0]);
        Parallel one = new Parallel(1);
        Gemm gemm = new Gemm(one);
        CpuConvolution conv = new CpuConvolution(one, gemm, false);
        Random rnd = new Random(7);
        ThreadMXBean clock = ManagementFactory.getThreadMXBean();
        for (String name : names) {
            ConvGeometry g = LAYERS.get(name);
            if (g == null) {
                throw new IllegalArgumentException("no layer " + name + "; known: " + LAYERS.keySet());
            }
            float[] in = random(rnd, g.batch() * g.inChannels() * g.inH() * g.inW());
            float[] w = random(rnd, g.outChannels() * g.patchSize());
            float[] bias = random(rnd, g.outChannels());
            float[] out = new float[g.batch() * g.outChannels() * g.outH() * g.outW()];
            double flops = 2.0 * g.batch() * g.outChannels() * g.patchSize() * g.outH() * g.outW();
            int calls = (int) Math.max(1, 1e8 / flops);
            double best = Double.MAX_VALUE;
            // Ten untimed rounds first, for the JIT.
            for (int r = 0; r < rounds + 10; r++) {
                long t0 = clock.getCurrentThreadCpuTime();
                for (int i = 0; i < calls; i++) {
                    conv.forward(g, in, w, WEIGHTS_UNWRITTEN, bias, out, true, g.outChannels(), 0);
                }
                long t1 = clock.getCurrentThreadCpuTime();
                if (r >= 10) {
                    best = Math.min(best, (t1 - t0) / 1e6 / calls);
                }
            }
            System.out.printf(Locale.ROOT, "%-22s %9.3f ms %6.1f GFLOP/s%n", name, best, flops / best / 1e6);
        }
    }

    /**
     * One forward pass of layer {@code name} on its own operands (for {@code ClassLoaderAB}, which times two builds'
     * copies of this class alternately in one JVM); its multiply-adds times two are {@link #flops}.
     */
    public static Runnable forwardOf(String name) {
        ConvGeometry g = LAYERS.get(name);
        if (g == null) {
            throw new IllegalArgumentException("no layer " + name + "; known: " + LAYERS.keySet());
        }
        Parallel one = new Parallel(1);
        CpuConvolution conv = new CpuConvolution(one, new Gemm(one), false);
        Random rnd = new Random(7);
        float[] in = random(rnd, g.batch() * g.inChannels() * g.inH() * g.inW());
        float[] w = random(rnd, g.outChannels() * g.patchSize());
        float[] bias = random(rnd, g.outChannels());
        float[] out = new float[g.batch() * g.outChannels() * g.outH() * g.outW()];
        return () -> conv.forward(g, in, w, WEIGHTS_UNWRITTEN, bias, out, true, g.outChannels(), 0);
    }

    /** Twice the multiply-adds of layer {@code name}'s forward pass. */
    public static double flops(String name) {
        ConvGeometry g = LAYERS.get(name);
        return 2.0 * g.batch() * g.outChannels() * g.patchSize() * g.outH() * g.outW();
    }

    private static float[] random(Random rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = rnd.nextFloat() * 2 - 1;
        }
        return x;
    }
}

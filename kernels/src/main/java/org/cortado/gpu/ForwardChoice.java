package org.cortado.gpu;

import java.util.HashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.cortado.backend.ConvGeometry;

/**
 * {@link ConvImpl#FASTEST}'s choice for each convolution forward shape. The two ways are cuDNN's fastest algorithm
 * and the engine's im2col + cuBLAS GEMM, and the faster one on the shape's first use is kept.
 *
 * <p>Why: cudnnFind compares only cuDNN's own algorithms, and at batch 1 cuDNN's convolutions took most of AlexNet's
 * forward pass on an H100 (bench/RESULTS.md, "Figures moved from code comments"). There, one GEMM per group has few
 * outputs to spread over the GPU, and cuBLAS may split it better.
 *
 * <p>How it is timed:
 * <ul>
 *   <li>Each way runs once to warm up: cuDNN's search, the column buffer.</li>
 *   <li>Then it runs three times, each timed on the host from the call to the end of a synchronize. That is what a
 *       forward pass that waits for its result sees, launches included.</li>
 *   <li>The best of the three counts.</li>
 * </ul>
 * A way that cannot run the shape loses: cuDNN may have no algorithm for a strided output, and im2col may need too
 * large a matrix. The output holds whatever the last timed run wrote, so the caller runs the chosen way afterwards.
 */
final class ForwardChoice {
    /** Timed runs per way; the fastest counts. */
    private static final int RUNS = 3;

    /** A shape, and the channel count of the tensor it writes into (a concat's, or its own). */
    private record Key(ConvGeometry geometry, int outputChannels) {
    }

    /** Waits for the device's queued work. */
    private final Runnable synchronize;
    private static final System.Logger LOG = System.getLogger(ForwardChoice.class.getName());

    private final boolean trace;
    private final Map<Key, Boolean> gemmFaster = new HashMap<>();

    ForwardChoice(Runnable synchronize, boolean trace) {
        this.synchronize = synchronize;
        this.trace = trace;
    }

    /**
     * Whether im2col + GEMM is the way for {@code g} written into a tensor of {@code outputChannels} channels, timing
     * both on the first call for that shape. While a graph is being captured nothing can be timed: a shape met for the
     * first time then goes to cuDNN, unrecorded, as {@link ConvImpl#CUDNN} would (its search fails inside a capture,
     * with its own message).
     *
     * @param viaCudnn runs the convolution through cuDNN; false, having done nothing, when cuDNN cannot write it
     * @param viaGemm  runs it as im2col + GEMM
     */
    boolean gemmIsFaster(ConvGeometry g, int outputChannels, boolean capturing, BooleanSupplier viaCudnn,
                         Runnable viaGemm) {
        Key key = new Key(g, outputChannels);
        Boolean known = gemmFaster.get(key);
        if (known != null) {
            return known;
        }
        if (capturing) {
            return false;
        }
        double cudnnMs = bestMs(viaCudnn);
        double gemmMs = bestMs(() -> {
            try {
                viaGemm.run();
                return true;
            } catch (IllegalArgumentException tooLarge) { // the im2col matrix of a huge layer
                return false;
            }
        });
        if (Double.isInfinite(cudnnMs) && Double.isInfinite(gemmMs)) {
            throw new IllegalStateException("neither cuDNN nor im2col + GEMM can run convolution " + g);
        }
        boolean gemm = gemmMs < cudnnMs;
        gemmFaster.put(key, gemm);
        if (trace) {
            LOG.log(System.Logger.Level.INFO, String.format("convolution %s into %d channels: cuDNN %s ms,"
                    + " im2col + GEMM %s ms: %s", g, outputChannels, format(cudnnMs), format(gemmMs),
                    gemm ? "im2col + GEMM" : "cuDNN"));
        }
        return gemm;
    }

    /** How many shapes have been decided, and for how many im2col + GEMM won: {decided, gemm}. */
    int[] tally() {
        int gemm = (int) gemmFaster.values().stream().filter(b -> b).count();
        return new int[] {gemmFaster.size(), gemm};
    }

    /** The best of {@link #RUNS} timed runs after a warm-up, in ms; infinite when {@code run} cannot run the shape. */
    private double bestMs(BooleanSupplier run) {
        if (!run.getAsBoolean()) {
            return Double.POSITIVE_INFINITY;
        }
        synchronize.run();
        long best = Long.MAX_VALUE;
        for (int i = 0; i < RUNS; i++) {
            long start = System.nanoTime();
            run.getAsBoolean();
            synchronize.run();
            best = Math.min(best, System.nanoTime() - start);
        }
        return best / 1e6;
    }

    private static String format(double ms) {
        return Double.isInfinite(ms) ? "(cannot)" : String.format("%.3f", ms);
    }
}

package org.cortado.backend.cpu;

import java.util.concurrent.atomic.AtomicBoolean;
import org.cortado.backend.ConvGeometry;
import org.cortado.backend.LrnParams;
import org.cortado.backend.PoolGeometry;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * Runs the forward kernels on tiny inputs on a background thread, once per JVM, so that HotSpot compiles them while
 * the caller loads its model. Until C2 has compiled them, the Vector API kernels run with their vectors boxed, a
 * hundred times slower, so that a fresh JVM's first forward pass took ten times as long as the next ones
 * (bench/RESULTS.md: "What helped", a fresh JVM; "Figures moved from code comments"), and the first C2 code for the
 * GEMM tile was thrown away once a later layer took a branch the first ones had not. Here every path of the forward
 * pass runs (1x1, shifted rows plain and strided, im2col, Winograd, pooling, LRN, inner products in both forms,
 * softmax, ReLU) for a bounded time on one thread of its own; the results are discarded, and results never depend on
 * whether code is compiled. Off with {@code -Dcortado.warmup=false}.
 */
final class CpuWarmUp {
    /** System property that turns the warm-up off. */
    static final String PROPERTY = "cortado.warmup";
    /** Rounds of every kernel: enough calls of the GEMM tile for C2 to compile it, well within {@link #MAX_NANOS}. */
    static final int ROUNDS = 600;
    /** Wall-time bound, so that a slow machine does not keep a core busy for long. */
    static final long MAX_NANOS = 1_500_000_000L;

    private static final AtomicBoolean STARTED = new AtomicBoolean();

    private CpuWarmUp() {
    }

    /** Starts the warm-up thread unless it ran in this JVM already or is turned off. */
    static void startOnce() {
        if ("false".equalsIgnoreCase(System.getProperty(PROPERTY)) || !STARTED.compareAndSet(false, true)) {
            return;
        }
        Thread thread = new Thread(CpuWarmUp::run, "cortado-warm-up");
        thread.setDaemon(true);
        thread.setPriority(Thread.MIN_PRIORITY);
        thread.start();
    }

    /**
     * The kernels, round after round, within {@link #MAX_NANOS}. A failure here would change nothing the caller
     * computes, so it is dropped rather than printed over the caller's output; {@code CpuWarmUpTest} runs the rounds
     * where a failure shows.
     */
    static void run() {
        try {
            Kernels kernels = new Kernels(new CpuBackend(1));
            long start = System.nanoTime();
            for (int round = 0; round < ROUNDS && System.nanoTime() - start < MAX_NANOS; round++) {
                kernels.round();
            }
        } catch (RuntimeException | OutOfMemoryError e) {
            // Nothing depends on the warm-up; see above.
        }
    }

    /** One small instance of each forward path, with its tensors. */
    static final class Kernels {
        private final CpuBackend cpu;
        private final Conv[] convs = {
            // First, products of more than one K block, whose later blocks add to C, on partial tiles of rows and
            // columns (the real layers' edges), so that the profile C2 compiles the tile from, taken from its first
            // calls, has seen those branches. That alone did not stop every recompilation in a first pass
            // (bench/RESULTS.md, "Start-up: the first pass"): C2's loop predicates still trap.
            // 13 outputs: a partial strip of rows for the 6- and the 8-row tile alike; 36 pixels: full and partial
            // strips of columns for the 16- and the 32-column tile alike.
            new Conv(new ConvGeometry(1, 300, 6, 6, 13, 1, 1, 1, 1, 0, 0, 1, 1, 1)),     // 1x1, B in place
            new Conv(new ConvGeometry(1, 20, 5, 5, 12, 3, 3, 1, 1, 1, 1, 1, 1, 1)),      // shifted rows, one K block
            new Conv(new ConvGeometry(1, 16, 6, 6, 16, 1, 1, 1, 1, 0, 0, 1, 1, 1)),      // 1x1, B in place
            new Conv(new ConvGeometry(2, 8, 8, 8, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1)),       // shifted rows
            new Conv(new ConvGeometry(1, 3, 19, 19, 16, 7, 7, 2, 2, 0, 0, 1, 1, 1)),     // strided shifted rows
            new Conv(new ConvGeometry(1, 2, 5, 5, 256, 3, 3, 1, 1, 1, 1, 1, 1, 2)),      // im2col, groups
            new Conv(new ConvGeometry(1, 128, 3, 3, 128, 3, 3, 1, 1, 1, 1, 1, 1, 1)),    // Winograd F(2x2)
            // F(4x4) with 8 tiles per row, so that its transforms' vector loops run too.
            new Conv(new ConvGeometry(1, 64, 32, 32, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1)),
        };
        private final Tensor poolIn = Tensor.zeros(Shape.of(1, 8, 13, 13));
        private final Tensor poolOut = Tensor.zeros(Shape.of(1, 8, 6, 6));
        private final Tensor aveOut = Tensor.zeros(Shape.of(1, 8, 1, 1));
        private final Tensor lrnOut = Tensor.zeros(poolIn.shape());
        private final Tensor lrnScale = Tensor.zeros(poolIn.shape());
        private final Tensor reluOut = Tensor.zeros(poolIn.shape());
        private final Tensor fcIn = Conv.filled(20 * 256);
        private final Tensor fcWeight = Conv.filled(64 * 256);
        private final Tensor fcOut = Tensor.zeros(Shape.of(20, 64));

        private final PoolingWarmUp pools;

        Kernels(CpuBackend cpu) {
            this.cpu = cpu;
            this.pools = new PoolingWarmUp(cpu);
            float[] x = poolIn.hostData();
            for (int i = 0; i < x.length; i++) {
                x[i] = (i * 7919 % 101) / 50f - 1f;
            }
        }

        void round() {
            for (Conv c : convs) {
                cpu.convolutionReluForward(c.g, c.input, c.weight, c.bias, c.output);
                cpu.convolutionForward(c.g, c.input, c.weight, c.bias, c.output);
            }
            cpu.maxPoolForward(new PoolGeometry(1, 8, 13, 13, 3, 3, 2, 2, 0, 0, 6, 6), poolIn, poolOut, null);
            cpu.avePoolForward(new PoolGeometry(1, 8, 13, 13, 13, 13, 1, 1, 0, 0, 1, 1), poolIn, aveOut);
            pools.round();
            cpu.lrnForward(new LrnParams(true, 5, 1e-4f, 0.75f, 1f), poolIn, lrnOut, lrnScale);
            cpu.reluForward(poolIn, reluOut, 0f);
            // An inner product at batch 1 takes the dot-product form, at batch 20 the packed one.
            cpu.gemm(false, true, 1, 64, 256, 1f, fcIn, 0, fcWeight, 0, 0f, fcOut, 0);
            // Batches of 2 to 16 take the dot-product form in pairs of rows, with an odd row, a column past the
            // groups of four and a K past whole vectors.
            cpu.gemm(false, true, 3, 62, 260, 1f, fcIn, 0, fcWeight, 0, 0f, fcOut, 0);
            cpu.gemm(false, true, 20, 64, 256, 1f, fcIn, 0, fcWeight, 0, 0f, fcOut, 0);
            cpu.softmaxForward(fcOut, fcOut, 20, 64, 1);
        }

        /** What the last round wrote, for tests. */
        float[][] outputs() {
            float[][] out = new float[convs.length + 5][];
            for (int i = 0; i < convs.length; i++) {
                out[i] = convs[i].output.hostData().clone();
            }
            out[convs.length] = poolOut.hostData().clone();
            out[convs.length + 1] = aveOut.hostData().clone();
            out[convs.length + 2] = lrnOut.hostData().clone();
            out[convs.length + 3] = reluOut.hostData().clone();
            out[convs.length + 4] = fcOut.hostData().clone();
            float[][] pooled = pools.outputs();
            out = java.util.Arrays.copyOf(out, out.length + pooled.length);
            System.arraycopy(pooled, 0, out, convs.length + 5, pooled.length);
            return out;
        }
    }

    /** A convolution's tensors, filled with small non-zero values. */
    private record Conv(ConvGeometry g, Tensor input, Tensor weight, Tensor bias, Tensor output) {
        Conv(ConvGeometry g) {
            this(g, filled(g.batch() * g.inChannels() * g.inH() * g.inW()),
                    filled(g.outChannels() * g.patchSize()), filled(g.outChannels()),
                    Tensor.zeros(Shape.of(g.batch(), g.outChannels(), g.outH(), g.outW())));
        }

        static Tensor filled(int count) {
            float[] x = new float[count];
            for (int i = 0; i < count; i++) {
                x[i] = (i * 7919 % 101) / 500f - 0.1f;
            }
            return Tensor.wrap(Shape.of(count), x);
        }
    }
}

package org.cortado.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.SplittableRandom;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.cortado.backend.Backend;
import org.cortado.backend.InvalidLabelException;
import org.cortado.backend.LabelledSum;
import org.cortado.backend.LayerOps;
import org.cortado.backend.Pointwise;
import org.cortado.backend.PoolGeometry;
import org.cortado.backend.RowReduction;
import org.cortado.backend.TopK;
import org.cortado.backend.cpu.CpuBackend;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Every operation of {@link LayerOps} (Caffe's neuron functions, PReLU, Crop's window, Embed, Reduction, MVN, ArgMax,
 * STOCHASTIC pooling and the losses) on the GPU backend against the CPU oracle, through {@link OpParity} (every tensor,
 * inputs included) and, for the losses' sums, against the CPU's to a relative 1e-6 (the terms are float, summed in
 * double in another order). Written once: {@link GpuLayerOpsTest} runs it on a GPU, {@link EmulatedLayerOpsTest} on
 * the emulated device, {@link HostCudaLayerOpsTest} on host CUDA.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class LayerOpsContract {
    /** A loss summed from float terms in double, in another order, and with the device's expf/logf. */
    private static final double SUM_EPS = 1e-6;

    private static final CpuBackend CPU = new CpuBackend(2);
    private GpuBackend gpu;

    abstract GpuBackend open();

    @BeforeAll
    void openBackend() {
        gpu = open();
    }

    @AfterAll
    void close() {
        if (gpu != null) {
            gpu.close();
        }
    }

    private OpParity.Case op(String name) {
        return new OpParity(CPU, gpu).op(name);
    }

    private static LayerOps ops(Backend b) {
        return b.layerOps();
    }

    private static float[] values(int n, double lo, double hi, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextDouble(lo, hi);
        }
        return v;
    }

    // ---- neuron functions and PReLU ------------------------------------------------------------------------------

    /** Each function with the inputs its domain allows, forward and backward (also in place), 1,029 elements. */
    @Test
    void neuronFunctions() {
        float ln2 = (float) Math.log(2);
        float ln10 = (float) Math.log(10);
        List<Object[]> cases = List.of(
                new Object[] {Pointwise.elu(0.7f), -3f, 3f},
                new Object[] {Pointwise.power(0.5f, 2f, 1f), 0.1f, 3f},
                new Object[] {Pointwise.power(2f, -0.5f, 0.25f), -3f, 3f},
                new Object[] {Pointwise.power(3f, 1.5f, 0f), 0.2f, 2f},
                new Object[] {Pointwise.power(1f, 3f, -1f), -3f, 3f},
                new Object[] {Pointwise.power(0f, 1f, 2f), -3f, 3f},
                new Object[] {Pointwise.exp(0.5f * ln2, 2f), -4f, 4f},
                new Object[] {Pointwise.exp(1f, 1f), -4f, 4f},
                new Object[] {Pointwise.log(2f, 0.5f, 1f / ln10, 2f / ln10), 0.1f, 4f},
                new Object[] {Pointwise.log(1f, 0f, 1f, 1f), 0.1f, 4f},
                new Object[] {Pointwise.absVal(), -2f, 2f},
                new Object[] {Pointwise.bnll(), -60f, 60f},
                new Object[] {Pointwise.threshold(0.25f), -1f, 1f});
        Shape s = Shape.of(3, 7, 49);
        for (Object[] c : cases) {
            Pointwise f = (Pointwise) c[0];
            float[] x = values(s.count(), (float) c[1], (float) c[2], f.hashCode());
            op(f + " forward").with("x", s, x).in("y", 3, 7, 49)
                    .check((b, t) -> ops(b).pointwiseForward(f, t.get("x"), t.get("y")));
            if (!f.hasBackward()) {
                continue;
            }
            Tensor y = CPU.allocate(s);
            ops(CPU).pointwiseForward(f, Tensor.wrap(s, x), y);
            op(f + " backward").with("x", s, x).with("y", s, y.hostData()).in("dy", 3, 7, 49).in("dx", 3, 7, 49)
                    .check((b, t) -> ops(b).pointwiseBackward(f, t.get("x"), t.get("y"), t.get("dy"), t.get("dx")));
            op(f + " backward in place").with("x", s, x).with("y", s, y.hostData()).in("dy", 3, 7, 49)
                    .check((b, t) -> ops(b).pointwiseBackward(f, t.get("x"), t.get("y"), t.get("dy"), t.get("dy")));
        }
    }

    @Test
    void prelu() {
        for (int[] v : new int[][] {{4, 3, 17}, {4, 1, 51}}) {
            int outer = v[0];
            int channels = v[1];
            int inner = v[2];
            String what = "prelu (" + outer + ", " + channels + ", " + inner + ")";
            op(what).in("x", outer, channels, inner).in("a", channels).in("y", outer, channels, inner)
                    .check((b, t) -> ops(b).preluForward(t.get("x"), t.get("a"), t.get("y"), outer, channels, inner));
            op(what + " backward").in("x", outer, channels, inner).in("a", channels).in("dy", outer, channels, inner)
                    .in("dx", outer, channels, inner).check((b, t) -> ops(b).preluBackward(t.get("x"), t.get("a"),
                            t.get("dy"), t.get("dx"), outer, channels, inner));
            op(what + " slope gradient").in("x", outer, channels, inner).in("dy", outer, channels, inner)
                    .in("da", channels).check((b, t) -> ops(b).preluSlopeBackward(t.get("x"), t.get("dy"),
                            t.get("da"), outer, channels, inner));
        }
    }

    // ---- data movement -------------------------------------------------------------------------------------------

    /** 4-D (FCN's crop), 2-D, 1-D, and 5-D windows cropped on every axis (more axes than the kernel takes). */
    @Test
    void copyWindowBothWays() {
        int[][][] cases = {
            {{2, 3, 7, 6}, {2, 3, 4, 3}, {0, 0, 2, 2}},
            {{9, 8}, {4, 8}, {3, 0}},
            {{30}, {7}, {11}},
            {{3, 4, 5, 6, 7}, {2, 3, 4, 5, 6}, {1, 1, 1, 0, 1}},
            {{2, 3, 4, 5, 6, 7}, {1, 3, 2, 5, 6, 3}, {1, 0, 2, 0, 0, 4}}};
        for (int[][] c : cases) {
            String what = "window " + Shape.of(c[1]) + " at " + java.util.Arrays.toString(c[2]) + " of "
                    + Shape.of(c[0]);
            op(what).in("big", c[0]).in("small", c[1])
                    .check((b, t) -> ops(b).copyWindow(t.get("big"), c[2], t.get("small"), false));
            op(what + " into big").in("big", c[0]).in("small", c[1])
                    .check((b, t) -> ops(b).copyWindow(t.get("big"), c[2], t.get("small"), true));
        }
    }

    @Test
    void embedWithRepeatedIndices() {
        int rows = 301;
        int inputDim = 13;
        float[] idx = new float[rows];
        SplittableRandom r = new SplittableRandom(5);
        for (int m = 0; m < rows; m++) {
            idx[m] = r.nextInt(inputDim);
        }
        op("embed forward").with("i", Shape.of(rows), idx).in("w", inputDim, 37).in("y", rows, 37)
                .check((b, t) -> ops(b).embedForward(t.get("i"), t.get("w"), t.get("y"), inputDim));
        op("embed backward").with("i", Shape.of(rows), idx).in("dy", rows, 37).in("dw", inputDim, 37)
                .check((b, t) -> ops(b).embedBackward(t.get("i"), t.get("dy"), t.get("dw")));
        idx[200] = 13;
        idx[100] = 1.5f;
        Tensor bad = Tensor.wrap(Shape.of(rows), idx);
        String cpu = assertThrows(InvalidLabelException.class, () -> ops(CPU).embedForward(bad,
                CPU.allocate(Shape.of(inputDim, 37)), CPU.allocate(Shape.of(rows, 37)), inputDim)).getMessage();
        String dev = assertThrows(InvalidLabelException.class, () -> ops(gpu).embedForward(gpu.upload(bad),
                gpu.allocate(Shape.of(inputDim, 37)), gpu.allocate(Shape.of(rows, 37)), inputDim)).getMessage();
        assertEquals(cpu, dev);
    }

    // ---- reductions ---------------------------------------------------------------------------------------------

    @Test
    void reduceRowsForwardAndBackward() {
        for (RowReduction o : RowReduction.values()) {
            for (int[] v : new int[][] {{37, 300}, {1, 100_003}, {1000, 3}}) {
                int rows = v[0];
                int dim = v[1];
                String what = o + " of " + rows + " rows of " + dim;
                op(what).in("x", rows, dim).in("y", rows)
                        .check((b, t) -> ops(b).reduceRows(o, t.get("x"), t.get("y"), rows, dim, 0.75f));
                op(what + " backward").in("x", rows, dim).in("dy", rows).in("dx", rows, dim)
                        .check((b, t) -> ops(b).reduceRowsBackward(o, t.get("x"), t.get("dy"), t.get("dx"), rows, dim,
                                -1.5f));
            }
        }
    }

    @Test
    void mvnForwardAndBackward() {
        for (boolean variance : new boolean[] {true, false}) {
            for (int[] v : new int[][] {{7, 513}, {40, 9}}) {
                int rows = v[0];
                int dim = v[1];
                String what = "mvn " + rows + " x " + dim + (variance ? "" : " mean only");
                float[] x = values(rows * dim, -2, 3, rows);
                op(what).with("x", Shape.of(rows, dim), x).in("y", rows, dim).in("std", rows)
                        .check((b, t) -> ops(b).mvnForward(t.get("x"), t.get("y"), variance ? t.get("std") : null,
                                rows, dim, variance, 1e-3f));
                Tensor y = CPU.allocate(Shape.of(rows, dim));
                Tensor std = CPU.allocate(Shape.of(rows));
                ops(CPU).mvnForward(Tensor.wrap(Shape.of(rows, dim), x), y, std, rows, dim, variance, 1e-3f);
                op(what + " backward").with("y", y.shape(), y.hostData()).with("std", std.shape(), std.hostData())
                        .in("dy", rows, dim).in("dx", rows, dim)
                        .check((b, t) -> ops(b).mvnBackward(t.get("y"), t.get("std"), t.get("dy"), t.get("dx"), rows,
                                dim, variance));
                op(what + " backward in place").with("y", y.shape(), y.hostData())
                        .with("std", std.shape(), std.hostData()).in("dy", rows, dim)
                        .check((b, t) -> ops(b).mvnBackward(t.get("y"), t.get("std"), t.get("dy"), t.get("dy"), rows,
                                dim, variance));
            }
        }
    }

    /** Values on a coarse grid, so that ties are common and the larger index must win them. */
    @Test
    void argMaxLayoutsWithTies() {
        float[] x = values(6 * 10 * 5, -2, 2, 9);
        for (int i = 0; i < x.length; i++) {
            x[i] = Math.round(x[i] * 2) / 2f;
        }
        Shape s = Shape.of(6, 10, 5);
        List<TopK> layouts = List.of(new TopK(6, 50, 1, 4, 8, 0, 4), new TopK(6, 50, 1, 3, 3, 0, -1),
                new TopK(6, 10, 5, 3, 15, 0, -1), new TopK(6, 10, 5, 10, 50, -1, 0));
        for (TopK k : layouts) {
            int outCount = k.outer() * k.outerStride();
            op("argmax " + k).with("x", s, x).in("y", outCount)
                    .check((b, t) -> ops(b).argMax(t.get("x"), t.get("y"), k));
        }
    }

    // ---- stochastic pooling --------------------------------------------------------------------------------------

    @Test
    void stochasticPoolingBothPhases() {
        for (PoolGeometry g : List.of(new PoolGeometry(2, 3, 9, 10, 3, 3, 2, 2, 0, 0, 4, 5),
                new PoolGeometry(1, 2, 6, 6, 6, 6, 1, 1, 0, 0, 1, 1))) {
            int[] in = {g.batch(), g.channels(), g.inH(), g.inW()};
            int[] out = {g.batch(), g.channels(), g.outH(), g.outW()};
            float[] x = values(Shape.of(in).count(), -0.2, 1, g.inH());
            op("stochastic pool test " + g).with("x", Shape.of(in), x).in("y", out)
                    .check((b, t) -> ops(b).stochasticPoolForward(g, t.get("x"), t.get("y")));
            // The draws must be the CPU's: a mask index differs by at least 1, far beyond the tolerance.
            op("stochastic pool train " + g).with("x", Shape.of(in), x).in("y", out).in("mask", out)
                    .check((b, t) -> ops(b).stochasticPoolSample(g, t.get("x"), t.get("y"), t.get("mask"), 1234L));
        }
    }

    // ---- losses --------------------------------------------------------------------------------------------------

    /** Runs {@code f} on both backends (tensors uploaded fresh) and compares the returned sums. */
    private void sums(String what, List<Tensor> host, Function<List<Object>, Object> f) {
        Object want = f.apply(List.of(CPU, host));
        Object got = f.apply(List.of(gpu, host.stream().map(gpu::upload).toList()));
        if (want instanceof LabelledSum w) {
            LabelledSum g = (LabelledSum) got;
            assertEquals(w.labelled(), g.labelled(), what + ": labelled");
            assertEquals(w.sum(), g.sum(), Math.abs(w.sum()) * SUM_EPS, what + ": sum");
        } else {
            double w = (Double) want;
            assertEquals(w, (Double) got, Math.abs(w) * SUM_EPS, what);
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> T arg(List<Object> a, int i) {
        return i == 0 ? (T) a.get(0) : (T) ((List<Tensor>) a.get(1)).get(i - 1);
    }

    @Test
    void sigmoidCrossEntropy() {
        Shape s = Shape.of(17, 31);
        float[] x = values(s.count(), -6, 6, 1);
        float[] targets = values(s.count(), 0, 1, 2);
        for (int i = 0; i < targets.length; i += 9) {
            targets[i] = -1;
        }
        for (Integer ignore : new Integer[] {null, -1}) {
            sums("sigmoid cross-entropy, ignore " + ignore, List.of(Tensor.wrap(s, x), Tensor.wrap(s, targets)),
                    a -> ops(arg(a, 0)).sigmoidCrossEntropyLossForward(arg(a, 1), arg(a, 2), ignore));
            op("sigmoid cross-entropy gradient, ignore " + ignore).in("sig", 0f, 1f, 17, 31).with("t", s, targets)
                    .in("dx", 17, 31).check((b, t) -> ops(b).sigmoidCrossEntropyLossBackward(t.get("sig"), t.get("t"),
                            t.get("dx"), ignore, 0.3f));
        }
    }

    @Test
    void multinomialLogistic() {
        int num = 300;
        int dim = 7;
        float[] prob = values(num * dim, 0, 1, 3);
        prob[5] = 0f;
        float[] labels = new float[num];
        for (int n = 0; n < num; n++) {
            labels[n] = n % dim;
        }
        Shape ps = Shape.of(num, dim);
        Shape ls = Shape.of(num);
        sums("multinomial logistic", List.of(Tensor.wrap(ps, prob), Tensor.wrap(ls, labels)),
                a -> ops(arg(a, 0)).multinomialLogisticLossForward(arg(a, 1), arg(a, 2), num, dim));
        op("multinomial logistic gradient").with("p", ps, prob).with("l", ls, labels).in("dx", num, dim)
                .check((b, t) -> ops(b).multinomialLogisticLossBackward(t.get("p"), t.get("l"), t.get("dx"), num, dim,
                        -0.01f));
        labels[77] = 7;
        String cpu = assertThrows(InvalidLabelException.class, () -> ops(CPU).multinomialLogisticLossForward(
                Tensor.wrap(ps, prob), Tensor.wrap(ls, labels), num, dim)).getMessage();
        String dev = assertThrows(InvalidLabelException.class, () -> ops(gpu).multinomialLogisticLossForward(
                gpu.upload(Tensor.wrap(ps, prob)), gpu.upload(Tensor.wrap(ls, labels)), num, dim)).getMessage();
        assertEquals(cpu, dev);
    }

    @Test
    void infogain() {
        int outer = 5;
        int channels = 6;
        int inner = 23;
        Shape ps = Shape.of(outer, channels, inner);
        float[] prob = values(ps.count(), 0, 1, 4);
        float[] labels = new float[outer * inner];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = i % 11 == 4 ? 255 : i % channels;
        }
        Shape ls = Shape.of(outer, inner);
        Shape hs = Shape.of(channels, channels);
        float[] h = values(hs.count(), 0, 2, 5);
        for (Integer ignore : new Integer[] {255}) {
            sums("infogain", List.of(Tensor.wrap(ps, prob), Tensor.wrap(ls, labels), Tensor.wrap(hs, h)),
                    a -> ops(arg(a, 0)).infogainLossForward(arg(a, 1), arg(a, 2), arg(a, 3), outer, channels, inner,
                            ignore));
            op("infogain gradient").with("p", ps, prob).with("l", ls, labels).with("h", hs, h).in("dx", outer,
                    channels, inner).check((b, t) -> ops(b).infogainLossBackward(t.get("p"), t.get("l"), t.get("h"),
                            t.get("dx"), outer, channels, inner, ignore, 0.25f));
        }
    }

    @Test
    void contrastiveBothVersions() {
        int num = 301;
        int channels = 5;
        Shape fs = Shape.of(num, channels);
        float[] y = new float[num];
        for (int n = 0; n < num; n++) {
            y[n] = n % 3 == 0 ? 1 : 0;
        }
        float[] a = values(num * channels, -1, 1, 6);
        float[] b = values(num * channels, -1, 1, 7);
        for (boolean legacy : new boolean[] {false, true}) {
            String what = "contrastive" + (legacy ? " legacy" : "");
            sums(what, List.of(Tensor.wrap(fs, a), Tensor.wrap(fs, b), Tensor.wrap(Shape.of(num), y)),
                    t -> ops(arg(t, 0)).contrastiveLossForward(arg(t, 1), arg(t, 2), arg(t, 3),
                            ((Backend) arg(t, 0)).allocate(Shape.of(num)), num, channels, 2f, legacy));
            Tensor d2 = CPU.allocate(Shape.of(num));
            ops(CPU).contrastiveLossForward(Tensor.wrap(fs, a), Tensor.wrap(fs, b), Tensor.wrap(Shape.of(num), y), d2,
                    num, channels, 2f, legacy);
            BiConsumer<Backend, java.util.Map<String, Tensor>> grad = (be, t) -> ops(be).contrastiveLossBackward(
                    t.get("a"), t.get("b"), t.get("y"), t.get("d2"), t.get("dx"), num, channels, 2f, legacy, -0.5f);
            op(what + " gradient").with("a", fs, a).with("b", fs, b).with("y", Shape.of(num), y)
                    .with("d2", d2.shape(), d2.hostData()).in("dx", num, channels).check(grad);
        }
    }
}

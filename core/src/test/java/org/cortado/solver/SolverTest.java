package org.cortado.solver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.cortado.backend.CounterRng;
import org.cortado.backend.cpu.CpuBackend;
import org.cortado.caffe.Prototxt;
import org.cortado.caffe.proto.Caffe.NetParameter;
import org.cortado.caffe.proto.Caffe.SolverState;
import org.cortado.finetune.NetSurgery;
import org.cortado.layers.Param;
import org.cortado.layers.Phase;
import org.cortado.net.Net;
import org.cortado.net.NetDefinition;
import org.cortado.net.proto.NetProtos;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;
import org.cortado.testing.GradientChecker;
import org.cortado.testing.TinyNets;
import org.junit.jupiter.api.Test;

/** Update rules against values computed by hand from Caffe's formulas. */
class SolverTest {
    private static final float TOL = 1e-6f;
    private final CpuBackend backend = new CpuBackend(1);

    /** A net whose only parameters are an InnerProduct's weight (1, 2) and bias (1): two values to follow. */
    private Net twoParamNet(String paramSpecs) {
        NetParameter.Builder b = NetParameter.newBuilder();
        Prototxt.parseText("test", """
                layer { name: "x" type: "Input" top: "x" input_param { shape { dim: 1 dim: 2 } } }
                layer { name: "ip" type: "InnerProduct" bottom: "x" top: "y" %s inner_product_param { num_output: 1 } }
                """.formatted(paramSpecs), b);
        return NetProtos.build(b.build(), Phase.TRAIN, backend);
    }

    private static SolverSettings settings(SolverSettings.Type type, float lr, float momentum, float decay,
                                           int iterSize, float clip) {
        return new SolverSettings(type, lr, "fixed", 0, 0, 0, List.of(), 0, momentum, 0.999f, 1e-8f, decay,
                iterSize, clip, 0, 0, -1);
    }

    private void set(Param p, float[] data, float[] diff) {
        backend.copy(Tensor.wrap(p.shape(), data), p.data());
        backend.copy(Tensor.wrap(p.shape(), diff), p.diff(backend));
    }

    @Test
    void sgdWithMomentumDecayAndMultipliers() {
        Net net = twoParamNet("param { lr_mult: 2 decay_mult: 0.5 } param { lr_mult: 0 }");
        Param w = net.params().get(0);
        Param bias = net.params().get(1);
        set(w, new float[] {1f, -2f}, new float[] {0.5f, 0.5f});
        set(bias, new float[] {3f}, new float[] {7f});
        Solver solver = new Solver(net, settings(SolverSettings.Type.SGD, 0.1f, 0.9f, 0.01f, 1, -1), 1);
        solver.applyUpdate();
        // g = 0.5 + 0.01 * 0.5 * 1 = 0.505; h = 0.2 * 0.505 = 0.101; w = 1 - 0.101.
        assertEquals(0.899f, w.data().hostData()[0], TOL);
        // g = 0.5 + 0.005 * -2 = 0.49; h = 0.098; w = -2.098.
        assertEquals(-2.098f, w.data().hostData()[1], TOL);
        backend.copy(Tensor.wrap(w.shape(), new float[] {0.5f, 0.5f}), w.diff(backend));
        solver.applyUpdate();
        // g = 0.5 + 0.005 * 0.899 = 0.504495; h = 0.9 * 0.101 + 0.2 * 0.504495 = 0.191799.
        assertEquals(0.899f - 0.191799f, w.data().hostData()[0], TOL);
        assertEquals(3f, bias.data().hostData()[0], 0f, "lr_mult 0: no update, no decay");
        assertEquals(2, solver.iteration());
    }

    @Test
    void iterSizeAveragesTheAccumulatedGradient() {
        Net net = twoParamNet("");
        Param w = net.params().get(0);
        set(w, new float[] {1f, 1f}, new float[] {1f, 3f});
        set(net.params().get(1), new float[] {0f}, new float[] {0f});
        new Solver(net, settings(SolverSettings.Type.SGD, 0.5f, 0f, 0f, 2, -1), 1).applyUpdate();
        // Two passes summed to (1, 3); divided by iter_size 2 and stepped with lr 0.5.
        assertArrayEquals(new float[] {0.75f, 0.25f}, w.data().hostData(), TOL);
    }

    @Test
    void clippingScalesAllGradientsByTheJointNorm() {
        Net net = twoParamNet("");
        set(net.params().get(0), new float[] {0f, 0f}, new float[] {3f, 0f});
        set(net.params().get(1), new float[] {0f}, new float[] {4f});
        new Solver(net, settings(SolverSettings.Type.SGD, 1f, 0f, 0f, 1, 1f), 1).applyUpdate();
        // ||(3, 0, 4)|| = 5 > 1: gradients become (0.6, 0, 0.8).
        assertArrayEquals(new float[] {-0.6f, 0f}, net.params().get(0).data().hostData(), TOL);
        assertEquals(-0.8f, net.params().get(1).data().hostData()[0], TOL);
    }

    @Test
    void nesterov() {
        Net net = twoParamNet("");
        Param w = net.params().get(0);
        set(w, new float[] {1f, 0f}, new float[] {1f, 0f});
        set(net.params().get(1), new float[] {0f}, new float[] {0f});
        Solver solver = new Solver(net, settings(SolverSettings.Type.NESTEROV, 0.1f, 0.5f, 0f, 1, -1), 1);
        solver.applyUpdate();
        // h = 0.1; w -= 1.5 * 0.1 - 0.5 * 0 = 0.15.
        assertEquals(0.85f, w.data().hostData()[0], TOL);
        solver.applyUpdate();
        // h' = 0.05 + 0.1 = 0.15; w -= 1.5 * 0.15 - 0.5 * 0.1 = 0.175.
        assertEquals(0.675f, w.data().hostData()[0], TOL);
    }

    @Test
    void adam() {
        Net net = twoParamNet("");
        Param w = net.params().get(0);
        set(w, new float[] {1f, 0f}, new float[] {0.2f, 0f});
        set(net.params().get(1), new float[] {0f}, new float[] {0f});
        Solver solver = new Solver(net, settings(SolverSettings.Type.ADAM, 0.01f, 0.9f, 0f, 1, -1), 1);
        solver.applyUpdate();
        // t = 1: m = 0.02, v = 0.001 * 0.04; correction = sqrt(0.001) / 0.1; step = lr * corr * m / (sqrt(v) + eps).
        double m = 0.1 * 0.2;
        double v = 0.001 * 0.04;
        double step1 = 0.01 * Math.sqrt(0.001) / 0.1 * m / (Math.sqrt(v) + 1e-8);
        assertEquals(1 - step1, w.data().hostData()[0], TOL);
        solver.applyUpdate();
        m = 0.9 * m + 0.1 * 0.2;
        v = 0.999 * v + 0.001 * 0.04;
        double step2 = 0.01 * Math.sqrt(1 - 0.999 * 0.999) / (1 - 0.81) * m / (Math.sqrt(v) + 1e-8);
        assertEquals(1 - step1 - step2, w.data().hostData()[0], TOL);
    }

    @Test
    void anIterationWithoutExamplesUpdatesNothingAndOnlyAdvances() {
        Net net = twoParamNet("");
        Param w = net.params().get(0);
        set(w, new float[] {1f, -2f}, new float[] {0.5f, 0.5f});
        set(net.params().get(1), new float[] {3f}, new float[] {1f});
        // Momentum and decay would move the weights even on a zero gradient.
        Solver solver = new Solver(net, settings(SolverSettings.Type.SGD, 0.1f, 0.9f, 0.01f, 2, -1), 1);
        solver.applyUpdate();
        float[] after = w.data().hostData().clone();
        SolverState history = solver.state(null);
        Solver.Outcome o = solver.stepCounted(n -> new Solver.Outcome(0, 0));
        assertEquals(0, o.examples());
        assertFalse(o.updated());
        assertEquals(2, solver.iteration(), "the iteration advances to the next batches");
        assertArrayEquals(after, w.data().hostData(), 0f, "no momentum step, no decay");
        assertEquals(history.getHistoryList(), solver.state(null).getHistoryList(), "momentum history unchanged");
    }

    @Test
    void passesWithoutExamplesAreLeftOutOfTheAverage() {
        // iter_size 2 where one pass ran nothing: the update is that of the other pass alone.
        Net a = twoParamNet("");
        Net b = twoParamNet("");
        for (Net net : List.of(a, b)) {
            set(net.params().get(0), new float[] {1f, 1f}, new float[] {0f, 0f});
            set(net.params().get(1), new float[] {0f}, new float[] {0f});
        }
        Solver.CountingPass real = n -> {
            backend.copy(Tensor.wrap(Shape.of(1, 2), new float[] {2f, 4f}), n.params().get(0).diff(backend));
            return new Solver.Outcome(0.5, 3);
        };
        new Solver(a, settings(SolverSettings.Type.SGD, 0.5f, 0f, 0f, 1, -1), 1).stepCounted(real);
        int[] k = {0};
        Solver.Outcome o = new Solver(b, settings(SolverSettings.Type.SGD, 0.5f, 0f, 0f, 2, -1), 1)
                .stepCounted(n -> k[0]++ == 0 ? real.run(n) : new Solver.Outcome(0, 0));
        assertEquals(0.5, o.loss());
        assertEquals(3, o.examples());
        assertArrayEquals(a.params().get(0).data().hostData(), b.params().get(0).data().hostData(), 0f);
        assertArrayEquals(new float[] {0f, -1f}, b.params().get(0).data().hostData(), TOL);
    }

    // ---- steps on a real net --------------------------------------------------------------------------------------

    private Net tinyTrainingNet() {
        return tinyTrainingNet(TinyNets.deploy());
    }

    private Net tinyTrainingNet(NetDefinition deploy) {
        var training = NetSurgery.forTraining(deploy, 2);
        Net net = Net.build(training.definition(), Phase.TRAIN, backend);
        long k = 0;
        for (Param p : net.params()) {
            // Weights N(0, 0.3^2), biases 0.1: ReLUs start alive.
            backend.copy(GradientChecker.gaussian(p.shape(), 0.3, 500 + k++), p.data());
            if (p.shape().rank() == 1) {
                backend.fill(p.data(), 0.1f);
            }
        }
        return net;
    }

    private static Map<String, Tensor> batch(long i) {
        return Map.of("data", GradientChecker.gaussian(Shape.of(2, 3, 8, 8), 1.0, CounterRng.derive(77, i)),
                "label", Tensor.wrap(Shape.of(2), new float[] {(int) (i % 3), (int) ((i + 1) % 3)}));
    }

    private static SolverSettings sgd() {
        return settings(SolverSettings.Type.SGD, 0.05f, 0.9f, 0.001f, 2, -1);
    }

    @Test
    void resumingFromTheStateMatchesAnUninterruptedRunBitForBit() {
        Net uninterrupted = tinyTrainingNet();
        Solver a = new Solver(uninterrupted, sgd(), 42);
        long[] next = {0};
        for (int i = 0; i < 5; i++) {
            a.step(() -> batch(next[0]++));
        }

        Net first = tinyTrainingNet();
        Solver b = new Solver(first, sgd(), 42);
        long[] nextB = {0};
        for (int i = 0; i < 3; i++) {
            b.step(() -> batch(nextB[0]++));
        }
        SolverState state = b.state("snapshot.caffemodel");
        Net second = tinyTrainingNet();
        for (int i = 0; i < first.params().size(); i++) {
            backend.copy(first.params().get(i).data(), second.params().get(i).data());
        }
        Solver c = new Solver(second, sgd(), 42);
        c.restore(SolverState.newBuilder().mergeFrom(state).build(), "test");
        assertEquals(3, c.iteration());
        for (int i = 0; i < 2; i++) {
            c.step(() -> batch(nextB[0]++));
        }
        for (int i = 0; i < uninterrupted.params().size(); i++) {
            assertArrayEquals(uninterrupted.params().get(i).data().hostData(), second.params().get(i).data().hostData(),
                    0f, "parameter " + uninterrupted.params().get(i));
        }
    }

    private static double testLoss(Net net, Map<String, Tensor> batch) {
        net.setMode(Phase.TEST);
        net.forward(batch);
        return net.loss();
    }

    @Test
    void lossFallsOnAFixedBatch() {
        Net net = tinyTrainingNet();
        Solver solver = new Solver(net, settings(SolverSettings.Type.SGD, 0.05f, 0.9f, 0f, 1, -1), 3);
        double before = testLoss(net, batch(0));
        for (int i = 0; i < 40; i++) {
            solver.step(() -> batch(0));
        }
        double after = testLoss(net, batch(0));
        assertTrue(after < 0.5 * before, "inference loss on the training batch " + before + " -> " + after);
    }

    @Test
    void nonFiniteLossStopsNamingIterationAndRate() {
        Net net = tinyTrainingNet();
        Solver solver = new Solver(net, settings(SolverSettings.Type.SGD, 0.1f, 0f, 0f, 1, -1), 3);
        solver.step(() -> batch(0));
        // As after an update that blew up: an infinite bias makes the softmax compute inf - inf.
        net.layer("conv_final").params().get(1).data().hostData()[0] = Float.POSITIVE_INFINITY;
        var e = assertThrows(TrainingDivergedException.class, () -> solver.step(() -> batch(1)));
        assertEquals(1, e.iteration());
        assertTrue(e.getMessage().contains("iteration 1") && e.getMessage().contains("0.1"), e.getMessage());
    }
}

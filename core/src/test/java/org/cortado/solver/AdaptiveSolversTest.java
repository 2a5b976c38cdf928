package org.cortado.solver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.cortado.backend.cpu.CpuBackend;
import org.cortado.caffe.Prototxt;
import org.cortado.caffe.proto.Caffe.NetParameter;
import org.cortado.caffe.proto.Caffe.SolverState;
import org.cortado.layers.Param;
import org.cortado.layers.Phase;
import org.cortado.net.Net;
import org.cortado.net.proto.NetProtos;
import org.cortado.solver.SolverSettings.Regularization;
import org.cortado.solver.SolverSettings.Type;
import org.cortado.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * AdaGrad, RMSProp, AdaDelta and L1 regularisation: against values computed by hand from Caffe's formulas, against
 * Caffe's CPU steps as written ({@link CaffeSolverReference}) bit for bit, and through the solver state.
 */
class AdaptiveSolversTest {
    private static final float TOL = 1e-6f;
    private final CpuBackend backend = new CpuBackend(1);

    /** An InnerProduct with weight (1, n) and bias (1). */
    private Net net(int n) {
        NetParameter.Builder b = NetParameter.newBuilder();
        Prototxt.parseText("test", """
                layer { name: "x" type: "Input" top: "x" input_param { shape { dim: 1 dim: %d } } }
                layer { name: "ip" type: "InnerProduct" bottom: "x" top: "y" inner_product_param { num_output: 1 } }
                """.formatted(n), b);
        return NetProtos.build(b.build(), Phase.TRAIN, backend);
    }

    private static SolverSettings settings(Type type, float lr, float momentum, float decay, float delta,
                                           float rmsDecay, Regularization reg, int iterSize) {
        return new SolverSettings(type, lr, "fixed", 0, 0, 0, List.of(), 0, momentum, 0.999f, delta, decay, iterSize,
                -1, 0, 0, -1, rmsDecay, reg);
    }

    private void set(Param p, float[] data, float[] diff) {
        backend.copy(Tensor.wrap(p.shape(), data), p.data());
        backend.copy(Tensor.wrap(p.shape(), diff), p.diff(backend));
    }

    @Test
    void adaGradByHand() {
        Net net = net(2);
        Param w = net.params().get(0);
        set(w, new float[] {1f, 0f}, new float[] {0.2f, 0f});
        Solver solver = new Solver(net, settings(Type.ADAGRAD, 0.1f, 0f, 0f, 0.1f, 0.99f, Regularization.L2, 1), 1);
        solver.applyUpdate();
        // h = 0.04; step = 0.1 * 0.2 / (0.2 + 0.1).
        assertEquals(1 - 0.02 / 0.3, w.data().hostData()[0], TOL);
        assertEquals(0f, w.data().hostData()[1], 0f, "no gradient, no step");
        solver.applyUpdate();
        // h = 0.08; step = 0.02 / (sqrt(0.08) + 0.1).
        assertEquals(1 - 0.02 / 0.3 - 0.02 / (Math.sqrt(0.08) + 0.1), w.data().hostData()[0], TOL);
    }

    @Test
    void rmsPropByHand() {
        Net net = net(2);
        Param w = net.params().get(0);
        set(w, new float[] {1f, 0f}, new float[] {0.2f, 0f});
        Solver solver = new Solver(net, settings(Type.RMSPROP, 0.01f, 0f, 0f, 1e-8f, 0.9f, Regularization.L2, 1), 1);
        solver.applyUpdate();
        // h = 0.1 * 0.04 = 0.004; step = 0.01 * 0.2 / sqrt(0.004).
        double h = 0.004;
        double step1 = 0.01 * 0.2 / (Math.sqrt(h) + 1e-8);
        assertEquals(1 - step1, w.data().hostData()[0], TOL);
        solver.applyUpdate();
        h = 0.9 * h + 0.1 * 0.04;
        assertEquals(1 - step1 - 0.01 * 0.2 / (Math.sqrt(h) + 1e-8), w.data().hostData()[0], TOL);
    }

    @Test
    void adaDeltaByHand() {
        Net net = net(2);
        Param w = net.params().get(0);
        set(w, new float[] {1f, 0f}, new float[] {0.2f, 0f});
        Solver solver = new Solver(net, settings(Type.ADADELTA, 1f, 0.9f, 0f, 1e-6f, 0.99f, Regularization.L2, 1), 1);
        solver.applyUpdate();
        // h = 0.1 * 0.04; u = 0.2 * sqrt((1e-6 + 0) / (1e-6 + 0.004)); u2 = 0.1 * u^2.
        double h = 0.004;
        double u = 0.2 * Math.sqrt(1e-6 / (1e-6 + h));
        double u2 = 0.1 * u * u;
        double w1 = 1 - u;
        assertEquals(w1, w.data().hostData()[0], TOL);
        solver.applyUpdate();
        h = 0.9 * h + 0.1 * 0.04;
        u = 0.2 * Math.sqrt((1e-6 + u2) / (1e-6 + h));
        assertEquals(w1 - u, w.data().hostData()[0], TOL);
        SolverState state = solver.state(null);
        assertEquals(4, state.getHistoryCount(), "weight and bias, squared gradients then squared updates");
        assertEquals(0.9 * 0.004 + 0.1 * 0.04, state.getHistory(0).getData(0), TOL);
        assertEquals(0.9 * u2 + 0.1 * u * u, state.getHistory(2).getData(0), 1e-9);
    }

    @Test
    void l1DecayAddsTheSignOfEachWeight() {
        Net net = net(3);
        Param w = net.params().get(0);
        set(w, new float[] {2f, -3f, 0f}, new float[] {0.5f, 0.5f, 0.5f});
        Solver solver = new Solver(net, settings(Type.SGD, 0.1f, 0f, 0.01f, 1e-8f, 0.99f, Regularization.L1, 1), 1);
        solver.applyUpdate();
        // g = 0.5 + 0.01 * sign(w): 0.51, 0.49, 0.5 (sign 0 is 0); w -= 0.1 * g.
        assertArrayEquals(new float[] {2f - 0.051f, -3f - 0.049f, -0.05f}, w.data().hostData(), TOL);
    }

    /**
     * Each rule, with L2 and L1 decay and iter_size 2, against Caffe's CPU steps as written, for three iterations
     * (histories carried over): the same bits.
     */
    @ParameterizedTest
    @EnumSource(Type.class)
    void everyRuleIsCaffesCpuStepBitForBit(Type type) {
        for (Regularization reg : Regularization.values()) {
            int n = 257;
            Net net = net(n);
            Param w = net.params().get(0);
            SplittableRandom r = new SplittableRandom(type.ordinal() * 10L + reg.ordinal());
            float[] data = new float[n];
            for (int i = 0; i < n; i++) {
                data[i] = i % 17 == 0 ? 0f : (float) r.nextDouble(-2, 2);
            }
            backend.copy(Tensor.wrap(w.shape(), data.clone()), w.data());
            float momentum = switch (type) {
                case SGD, NESTEROV, ADAM -> 0.9f;
                case ADADELTA -> 0.95f;
                case ADAGRAD, RMSPROP -> 0f;
            };
            SolverSettings s = settings(type, type == Type.ADADELTA ? 1f : 0.01f, momentum, 5e-3f, 1e-6f, 0.98f, reg,
                    2);
            Solver solver = new Solver(net, s, 1);
            float[] h1 = new float[n];
            float[] h2 = new float[n];
            for (int it = 0; it < 3; it++) {
                float[] diff = new float[n];
                for (int i = 0; i < n; i++) {
                    diff[i] = (float) (r.nextDouble(-1, 1) * Math.scalb(1.0, r.nextInt(-6, 3)));
                }
                backend.copy(Tensor.wrap(w.shape(), diff.clone()), w.diff(backend));
                solver.applyUpdate();
                float[] g = CaffeSolverReference.regularized(data, diff, 2, s.weightDecay(), reg == Regularization.L1);
                float rate = s.baseLr();
                float[] step = switch (type) {
                    case SGD -> {
                        for (int i = 0; i < n; i++) {
                            h1[i] = rate * g[i] + momentum * h1[i];
                        }
                        yield h1.clone();
                    }
                    case NESTEROV -> {
                        float[] out = new float[n];
                        for (int i = 0; i < n; i++) {
                            float previous = h1[i];
                            h1[i] = rate * g[i] + momentum * h1[i];
                            out[i] = (1f + momentum) * h1[i] - momentum * previous;
                        }
                        yield out;
                    }
                    case ADAM -> {
                        int t = it + 1;
                        float correction = (float) (Math.sqrt(1.0 - Math.pow(0.999f, t))
                                / (1.0 - Math.pow(momentum, t)));
                        yield CaffeSolverReference.adam(g, h1, h2, rate * correction, momentum, 0.999f, 1e-6f);
                    }
                    case ADAGRAD -> CaffeSolverReference.adaGrad(g, h1, rate, 1e-6f);
                    case RMSPROP -> CaffeSolverReference.rmsProp(g, h1, rate, 0.98f, 1e-6f);
                    case ADADELTA -> CaffeSolverReference.adaDelta(g, h1, h2, rate, momentum, 1e-6f);
                };
                CaffeSolverReference.update(data, step);
                assertArrayEquals(data, w.data().hostData(), 0f, type + " " + reg + " iteration " + it);
            }
        }
    }

    /** A run resumed from the state of iteration 2 continues as the uninterrupted one, for the two-history rules. */
    @ParameterizedTest
    @EnumSource(value = Type.class, names = {"ADAGRAD", "RMSPROP", "ADADELTA"})
    void resumingFromTheStateContinuesBitForBit(Type type) {
        SolverSettings s = settings(type, type == Type.ADADELTA ? 1f : 0.01f, type == Type.ADADELTA ? 0.9f : 0f,
                1e-3f, 1e-6f, 0.95f, Regularization.L1, 1);
        Net a = net(5);
        Net b = net(5);
        Net c = net(5);
        Solver sa = new Solver(a, s, 1);
        Solver sb = new Solver(b, s, 1);
        for (Net net : List.of(a, b, c)) {
            set(net.params().get(0), new float[] {1, -1, 0.5f, 0, 2}, new float[5]);
        }
        float[][] diffs = {{0.1f, 0.2f, -0.3f, 0.4f, 0f}, {0.5f, -0.1f, 0.1f, 0f, 0.2f}, {0.3f, 0.3f, -0.2f, 0.1f, 1f},
            {-0.2f, 0.1f, 0f, 0.3f, 0.1f}};
        for (int it = 0; it < 4; it++) {
            backend.copy(Tensor.wrap(a.params().get(0).shape(), diffs[it].clone()), a.params().get(0).diff(backend));
            sa.applyUpdate();
        }
        for (int it = 0; it < 2; it++) {
            backend.copy(Tensor.wrap(b.params().get(0).shape(), diffs[it].clone()), b.params().get(0).diff(backend));
            sb.applyUpdate();
        }
        backend.copy(b.params().get(0).data(), c.params().get(0).data());
        Solver sc = new Solver(c, s, 1);
        sc.restore(sb.stateBytes(null), "state");   // through the .solverstate bytes, as a snapshot
        for (int it = 2; it < 4; it++) {
            backend.copy(Tensor.wrap(c.params().get(0).shape(), diffs[it].clone()), c.params().get(0).diff(backend));
            sc.applyUpdate();
        }
        assertArrayEquals(a.params().get(0).data().hostData(), c.params().get(0).data().hostData(), 0f);
    }

    @Test
    void aStateOfAnotherSolverIsRefusedNamingTheSolver() {
        Net net = net(2);
        Solver sgd = new Solver(net, settings(Type.SGD, 0.1f, 0.9f, 0f, 1e-8f, 0.99f, Regularization.L2, 1), 1);
        Solver adaDelta = new Solver(net, settings(Type.ADADELTA, 1f, 0.9f, 0f, 1e-8f, 0.99f, Regularization.L2, 1),
                1);
        var e = assertThrows(IllegalArgumentException.class, () -> adaDelta.restore(sgd.state(null), "x.solverstate"));
        assertTrue(e.getMessage().contains("x.solverstate") && e.getMessage().contains("AdaDelta")
                && e.getMessage().contains("need 4"), e.getMessage());
    }

    @Test
    void bytesThatAreNoSolverStateAreRefusedNamingTheirSource() {
        Solver sgd = new Solver(net(2), settings(Type.SGD, 0.1f, 0.9f, 0f, 1e-8f, 0.99f, Regularization.L2, 1), 1);
        var e = assertThrows(IllegalArgumentException.class,
                () -> sgd.restore(new byte[] {(byte) 0xff, 1, 2}, "x.solverstate"));
        assertTrue(e.getMessage().startsWith("x.solverstate: not a solver state"), e.getMessage());
    }
}

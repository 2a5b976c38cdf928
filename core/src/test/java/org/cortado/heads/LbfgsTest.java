package org.cortado.heads;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LbfgsTest {
    @Test
    void findsTheRosenbrockMinimum() {
        Lbfgs.Objective rosenbrock = (x, g) -> {
            double a = 1 - x[0];
            double b = x[1] - x[0] * x[0];
            g[0] = -2 * a - 400 * x[0] * b;
            g[1] = 200 * b;
            return a * a + 100 * b * b;
        };
        Lbfgs.Result r = Lbfgs.minimize(rosenbrock, new double[] {-1.2, 1}, new Lbfgs.Settings(10, 1e-10, 1000));
        assertTrue(r.converged(), r.stop());
        assertArrayEquals(new double[] {1, 1}, r.x(), 1e-8);
        assertTrue(r.iterations() < 100, "iterations " + r.iterations());
    }

    @Test
    void solvesAnIllConditionedQuadratic() {
        // f = 0.5 sum_i h_i (x_i - t_i)^2 with curvatures 1 .. 1e4: minimum at t.
        int n = 50;
        double[] h = new double[n];
        double[] t = new double[n];
        for (int i = 0; i < n; i++) {
            h[i] = Math.pow(10, 4.0 * i / (n - 1));
            t[i] = Math.sin(i);
        }
        Lbfgs.Objective quad = (x, g) -> {
            double f = 0;
            for (int i = 0; i < n; i++) {
                double e = x[i] - t[i];
                f += 0.5 * h[i] * e * e;
                g[i] = h[i] * e;
            }
            return f;
        };
        // The tolerance is relative to the first gradient (about 1e4 here): 1e-14 asks for |g| below 1e-10.
        Lbfgs.Result r = Lbfgs.minimize(quad, new double[n], new Lbfgs.Settings(10, 1e-14, 5000));
        assertTrue(r.converged(), r.stop());
        assertArrayEquals(t, r.x(), 1e-9);
    }

    @Test
    void isDeterministic() {
        Lbfgs.Objective f = (x, g) -> {
            g[0] = 4 * x[0] * x[0] * x[0] - 3;
            g[1] = 2 * (x[1] - x[0]);
            return Math.pow(x[0], 4) - 3 * x[0] + (x[1] - x[0]) * (x[1] - x[0]);
        };
        Lbfgs.Settings tight = new Lbfgs.Settings(10, 1e-12, 1000);
        Lbfgs.Result a = Lbfgs.minimize(f, new double[] {3, -2}, tight);
        Lbfgs.Result b = Lbfgs.minimize(f, new double[] {3, -2}, tight);
        assertArrayEquals(a.x(), b.x(), 0);
        assertEquals(Math.cbrt(0.75), a.x()[0], 1e-9);
    }

    @Test
    void stopsAtTheIterationLimitAndSaysSo() {
        Lbfgs.Objective f = (x, g) -> {
            double a = 1 - x[0];
            double b = x[1] - x[0] * x[0];
            g[0] = -2 * a - 400 * x[0] * b;
            g[1] = 200 * b;
            return a * a + 100 * b * b;
        };
        Lbfgs.Result r = Lbfgs.minimize(f, new double[] {-1.2, 1}, new Lbfgs.Settings(10, 1e-10, 3));
        assertEquals(3, r.iterations());
        assertTrue(!r.converged() && r.stop().contains("iteration limit"), r.stop());
    }

    @Test
    void interpolationStaysInsideTheInterval() {
        // phi = (a - 0.3)^2 on [0, 1]: the cubic through both ends finds 0.3 exactly.
        double t = Lbfgs.interpolate(0, 0.09, -0.6, 1, 0.49, 1.4);
        assertEquals(0.3, t, 1e-12);
        // a minimiser outside the safe band falls back to bisection
        double u = Lbfgs.interpolate(0, 0, -1e-9, 1, 1, 2);
        assertTrue(u >= 0.1 && u <= 0.9, "got " + u);
    }
}

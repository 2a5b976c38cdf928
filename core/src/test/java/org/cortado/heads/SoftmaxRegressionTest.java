package org.cortado.heads;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SoftmaxRegressionTest {
    /** Agreement with an independent solver run to convergence in double. */
    private static final double PARAM_TOL = 1e-6;

    @Test
    void gradientMatchesFiniteDifferences() {
        ToyData d = ToyData.blobs(3, 5, 4, 1.5, 3);
        int n = 3 * 5;
        double[] theta = new double[n];
        java.util.SplittableRandom rng = new java.util.SplittableRandom(5);
        for (int i = 0; i < theta.length; i++) {
            theta[i] = rng.nextDouble() - 0.5;
        }
        double c = 0.7;
        double[] g = new double[n];
        SoftmaxRegression.objective(d.x, d.y, 3, c, theta, g);
        double h = 1e-6;
        for (int i = 0; i < n; i++) {
            double[] p = theta.clone();
            double[] m = theta.clone();
            p[i] += h;
            m[i] -= h;
            double fd = (SoftmaxRegression.objective(d.x, d.y, 3, c, p, new double[n])
                    - SoftmaxRegression.objective(d.x, d.y, 3, c, m, new double[n])) / (2 * h);
            assertEquals(fd, g[i], 1e-6 * Math.max(1, Math.abs(fd)), "parameter " + i);
        }
    }

    /** Plain gradient descent with a fixed safe step, written independently of the class under test. */
    private static double[] gradientDescent(float[][] x, int[] y, int k, double c) {
        int d = x[0].length;
        double[] w = new double[k * d];
        double[] b = new double[k];
        // Lipschitz bound of the gradient: 1 + C * sum_n (||x_n||^2 + 1) (softmax Hessian <= I per sample).
        double lip = 1;
        for (float[] row : x) {
            double ss = 1;
            for (float v : row) {
                ss += v * v;
            }
            lip += c * ss;
        }
        double step = 1 / lip;
        for (int it = 0; it < 2_000_000; it++) {
            double[] gw = w.clone();
            double[] gb = new double[k];
            for (int n = 0; n < x.length; n++) {
                double[] p = new double[k];
                double max = -1e300;
                for (int c1 = 0; c1 < k; c1++) {
                    p[c1] = b[c1];
                    for (int j = 0; j < d; j++) {
                        p[c1] += w[c1 * d + j] * x[n][j];
                    }
                    max = Math.max(max, p[c1]);
                }
                double z = 0;
                for (int c1 = 0; c1 < k; c1++) {
                    p[c1] = Math.exp(p[c1] - max);
                    z += p[c1];
                }
                for (int c1 = 0; c1 < k; c1++) {
                    double r = c * (p[c1] / z - (y[n] == c1 ? 1 : 0));
                    for (int j = 0; j < d; j++) {
                        gw[c1 * d + j] += r * x[n][j];
                    }
                    gb[c1] += r;
                }
            }
            double gmax = 0;
            for (int i = 0; i < w.length; i++) {
                w[i] -= step * gw[i];
                gmax = Math.max(gmax, Math.abs(gw[i]));
            }
            for (int i = 0; i < k; i++) {
                b[i] -= step * gb[i];
                gmax = Math.max(gmax, Math.abs(gb[i]));
            }
            if (gmax < 1e-11) {
                break;
            }
        }
        double[] out = new double[k * d + k];
        System.arraycopy(w, 0, out, 0, k * d);
        System.arraycopy(b, 0, out, k * d, k);
        return out;
    }

    @Test
    void matchesPlainGradientDescentAtTheOptimum() {
        ToyData d = ToyData.blobs(3, 8, 3, 1.0, 11);
        double c = 0.5;
        SoftmaxRegression.Fit fit = SoftmaxRegression.fit(d.x, d.y, 3, c, new Lbfgs.Settings(10, 1e-10, 5000));
        assertTrue(fit.optimizer().converged(), fit.optimizer().stop());
        double[] ref = gradientDescent(d.x, d.y, 3, c);
        for (int k = 0; k < 3; k++) {
            for (int j = 0; j < 3; j++) {
                assertEquals(ref[k * 3 + j], fit.model().weights()[k][j], PARAM_TOL, "W[" + k + "][" + j + "]");
            }
            assertEquals(ref[9 + k], fit.model().bias()[k], PARAM_TOL, "b[" + k + "]");
        }
    }

    @Test
    void biasIsNotPenalisedAndSumsToZero() {
        // One class far more frequent: the unpenalised bias must absorb the prior even with strong regularisation.
        float[][] x = new float[40][1];
        int[] y = new int[40];
        for (int i = 0; i < 40; i++) {
            y[i] = i < 30 ? 0 : 1;
        }
        SoftmaxRegression.Fit fit = SoftmaxRegression.fit(x, y, 2, 1e-3, Lbfgs.Settings.DEFAULT);
        double[] b = fit.model().bias();
        // p(class 0) = 0.75 exactly at the optimum: b0 - b1 = log 3.
        assertEquals(Math.log(3), b[0] - b[1], 1e-6);
        assertEquals(0, b[0] + b[1], 1e-9);
    }

    @Test
    void separatesSeparableData() {
        ToyData d = ToyData.blobs(4, 10, 4, 8.0, 2);
        SoftmaxRegression.Fit fit = SoftmaxRegression.fit(d.x, d.y, 4, 10, Lbfgs.Settings.DEFAULT);
        assertArrayEquals(d.y, fit.model().predict(d.x));
    }
}

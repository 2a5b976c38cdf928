package org.cortado.heads;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LinearSvmTest {
    private static final LinearSvm.Settings TIGHT = new LinearSvm.Settings(1e-7, 100_000, 1.0, 3);

    /** Seven 2-D points, not linearly separable (point 6 sits among the negatives). */
    private static final float[][] X = {{0, 0}, {1, 0.5f}, {0.2f, 1}, {2, 2}, {2.5f, 1}, {1.8f, 2.6f}, {0.4f, 0.3f}};
    private static final boolean[] POS = {false, false, false, true, true, true, true};

    /**
     * The exact hinge-loss primal optimum by brute force: every assignment of the points to "beyond the margin",
     * "on the margin" and "inside the margin" fixes w through a linear KKT system; the optimum is the best primal value
     * over all of them (the optimum's own assignment is among them).
     */
    private static double[] bruteForceHinge(float[][] x, boolean[] pos, double c, double b) {
        int n = x.length;
        int d = x[0].length + 1;
        double[] best = null;
        double bestF = Double.POSITIVE_INFINITY;
        int combos = (int) Math.pow(3, n);
        for (int code = 0; code < combos; code++) {
            int[] state = new int[n];
            int rest = code;
            int onMargin = 0;
            for (int i = 0; i < n; i++) {
                state[i] = rest % 3;
                rest /= 3;
                if (state[i] == 1) {
                    onMargin++;
                }
            }
            // unknowns: w (d) and one multiplier per margin point
            int m = d + onMargin;
            double[][] a = new double[m][m + 1];
            int[] marginIdx = new int[onMargin];
            int k = 0;
            for (int i = 0; i < n; i++) {
                if (state[i] == 1) {
                    marginIdx[k++] = i;
                }
            }
            for (int j = 0; j < d; j++) {
                a[j][j] = 1;
                double rhs = 0;
                for (int i = 0; i < n; i++) {
                    if (state[i] == 2) {
                        rhs += c * (pos[i] ? 1 : -1) * aug(x[i], j, b);
                    }
                }
                for (int q = 0; q < onMargin; q++) {
                    int i = marginIdx[q];
                    a[j][d + q] = -(pos[i] ? 1 : -1) * aug(x[i], j, b);
                }
                a[j][m] = rhs;
            }
            for (int q = 0; q < onMargin; q++) {
                int i = marginIdx[q];
                for (int j = 0; j < d; j++) {
                    a[d + q][j] = (pos[i] ? 1 : -1) * aug(x[i], j, b);
                }
                a[d + q][m] = 1;
            }
            double[] sol = solve(a);
            if (sol == null) {
                continue;
            }
            double[] w = java.util.Arrays.copyOf(sol, d);
            double f = primalAug(x, pos, c, b, w);
            if (f < bestF) {
                bestF = f;
                best = w;
            }
        }
        return best;
    }

    private static double aug(float[] xi, int j, double b) {
        return j < xi.length ? xi[j] : b;
    }

    private static double primalAug(float[][] x, boolean[] pos, double c, double b, double[] w) {
        double f = 0;
        for (double v : w) {
            f += 0.5 * v * v;
        }
        for (int i = 0; i < x.length; i++) {
            double m = 0;
            for (int j = 0; j < w.length; j++) {
                m += w[j] * aug(x[i], j, b);
            }
            f += c * Math.max(0, 1 - (pos[i] ? m : -m));
        }
        return f;
    }

    /** Gaussian elimination with partial pivoting; null when singular. */
    private static double[] solve(double[][] a) {
        int m = a.length;
        for (int col = 0; col < m; col++) {
            int p = col;
            for (int r = col + 1; r < m; r++) {
                if (Math.abs(a[r][col]) > Math.abs(a[p][col])) {
                    p = r;
                }
            }
            if (Math.abs(a[p][col]) < 1e-10) {
                return null;
            }
            double[] t = a[p];
            a[p] = a[col];
            a[col] = t;
            for (int r = 0; r < m; r++) {
                if (r != col) {
                    double fct = a[r][col] / a[col][col];
                    for (int cc = col; cc <= m; cc++) {
                        a[r][cc] -= fct * a[col][cc];
                    }
                }
            }
        }
        double[] x = new double[m];
        for (int i = 0; i < m; i++) {
            x[i] = a[i][m] / a[i][i];
        }
        return x;
    }

    /** Gradient descent on the smooth squared-hinge primal, independent of the dual solver. */
    private static double[] gradientDescentSquaredHinge(float[][] x, boolean[] pos, double c, double b) {
        int d = x[0].length + 1;
        double lip = 1;
        for (float[] xi : x) {
            double ss = b * b;
            for (float v : xi) {
                ss += v * v;
            }
            lip += 2 * c * ss;
        }
        double[] w = new double[d];
        for (int it = 0; it < 5_000_000; it++) {
            double[] g = w.clone();
            for (int i = 0; i < x.length; i++) {
                double y = pos[i] ? 1 : -1;
                double m = 0;
                for (int j = 0; j < d; j++) {
                    m += w[j] * aug(x[i], j, b);
                }
                double slack = 1 - y * m;
                if (slack > 0) {
                    for (int j = 0; j < d; j++) {
                        g[j] -= 2 * c * slack * y * aug(x[i], j, b);
                    }
                }
            }
            double gmax = 0;
            for (int j = 0; j < d; j++) {
                w[j] -= g[j] / lip;
                gmax = Math.max(gmax, Math.abs(g[j]));
            }
            if (gmax < 1e-12) {
                break;
            }
        }
        return w;
    }

    private static double[] augmentedSolution(LinearSvm.BinaryFit f, double b) {
        double[] w = java.util.Arrays.copyOf(f.w(), f.w().length + 1);
        w[f.w().length] = f.bias() / b;
        return w;
    }

    @Test
    void hingeMatchesTheBruteForcePrimalOptimum() {
        for (double c : new double[] {0.1, 1, 10}) {
            LinearSvm.BinaryFit fit = LinearSvm.fitBinary(X, POS, c, LinearSvm.Loss.HINGE, TIGHT);
            assertTrue(fit.converged());
            double[] ref = bruteForceHinge(X, POS, c, 1.0);
            double ours = LinearSvm.primal(X, POS, c, LinearSvm.Loss.HINGE, 1.0, fit.w(), fit.bias());
            assertEquals(primalAug(X, POS, c, 1.0, ref), ours, 1e-6, "primal value at C = " + c);
            assertArrayEquals(ref, augmentedSolution(fit, 1.0), 1e-4, "w at C = " + c);
        }
    }

    @Test
    void hingeSolutionHasNoDualityGapAndMeetsKkt() {
        double c = 2;
        LinearSvm.BinaryFit fit = LinearSvm.fitBinary(X, POS, c, LinearSvm.Loss.HINGE, TIGHT);
        double p = LinearSvm.primal(X, POS, c, LinearSvm.Loss.HINGE, 1.0, fit.w(), fit.bias());
        double d = LinearSvm.dual(fit, c, LinearSvm.Loss.HINGE, 1.0);
        assertTrue(p - d >= -1e-9 && p - d < 1e-5, "duality gap " + (p - d));
        for (int i = 0; i < X.length; i++) {
            double m = fit.bias() + fit.w()[0] * X[i][0] + fit.w()[1] * X[i][1];
            double margin = POS[i] ? m : -m;
            double a = fit.alpha()[i];
            if (a == 0) {
                assertTrue(margin >= 1 - 1e-5, "point " + i + " with alpha 0 has margin " + margin);
            } else if (a == c) {
                assertTrue(margin <= 1 + 1e-5, "point " + i + " at the bound has margin " + margin);
            } else {
                assertEquals(1, margin, 1e-5, "free support vector " + i);
            }
        }
    }

    @Test
    void squaredHingeMatchesPrimalGradientDescent() {
        for (double c : new double[] {0.05, 1, 20}) {
            LinearSvm.BinaryFit fit = LinearSvm.fitBinary(X, POS, c, LinearSvm.Loss.SQUARED_HINGE, TIGHT);
            assertTrue(fit.converged());
            double[] ref = gradientDescentSquaredHinge(X, POS, c, 1.0);
            assertArrayEquals(ref, augmentedSolution(fit, 1.0), 1e-6, "w at C = " + c);
            double p = LinearSvm.primal(X, POS, c, LinearSvm.Loss.SQUARED_HINGE, 1.0, fit.w(), fit.bias());
            double d = LinearSvm.dual(fit, c, LinearSvm.Loss.SQUARED_HINGE, 1.0);
            assertEquals(p, d, 1e-7 * Math.max(1, p), "duality gap at C = " + c);
        }
    }

    @Test
    void oneVsRestRowsAreTheBinaryProblemsAndPredictionsAgree() {
        ToyData d = ToyData.blobs(3, 15, 3, 3.0, 9);
        LinearSvm.Fit fit = LinearSvm.fit(d.x, d.y, 3, 0.5, LinearSvm.Loss.SQUARED_HINGE, TIGHT);
        for (int k = 0; k < 3; k++) {
            LinearSvm.BinaryFit b = LinearSvm.fitBinary(d.x, ToyData.positives(d.y, k), 0.5,
                    LinearSvm.Loss.SQUARED_HINGE, TIGHT);
            assertArrayEquals(b.w(), fit.model().weights()[k], 1e-12);
            assertEquals(b.bias(), fit.model().bias()[k], 1e-12);
        }
        int[] pred = fit.model().predict(d.x);
        int correct = 0;
        for (int i = 0; i < pred.length; i++) {
            correct += pred[i] == d.y[i] ? 1 : 0;
        }
        assertTrue(correct >= 40, "well-separated blobs: " + correct + "/45 correct");
    }

    @Test
    void twoClassesAreOneBinaryProblemWithClassOnePositive() {
        LinearSvm.Fit fit = LinearSvm.fit(X, new int[] {0, 0, 0, 1, 1, 1, 1}, 2, 1, LinearSvm.Loss.HINGE, TIGHT);
        assertEquals(1, fit.problems().length);
        assertArrayEquals(new double[] {0, 0}, fit.model().weights()[0]);
        assertEquals(0, fit.model().bias()[0]);
        LinearSvm.BinaryFit b = LinearSvm.fitBinary(X, POS, 1, LinearSvm.Loss.HINGE, TIGHT);
        assertArrayEquals(b.w(), fit.model().weights()[1], 0);
    }

    @Test
    void noBiasFeatureMeansNoBias() {
        LinearSvm.BinaryFit fit = LinearSvm.fitBinary(X, POS, 1, LinearSvm.Loss.SQUARED_HINGE,
                new LinearSvm.Settings(1e-6, 10_000, 0, 1));
        assertEquals(0, fit.bias());
    }

    @Test
    void sameSeedSameBits() {
        ToyData d = ToyData.blobs(2, 30, 5, 1.0, 4);
        boolean[] pos = ToyData.positives(d.y, 1);
        LinearSvm.Settings s = new LinearSvm.Settings(1e-3, 10_000, 1, 77);
        assertArrayEquals(LinearSvm.fitBinary(d.x, pos, 1, LinearSvm.Loss.HINGE, s).w(),
                LinearSvm.fitBinary(d.x, pos, 1, LinearSvm.Loss.HINGE, s).w(), 0);
    }
}

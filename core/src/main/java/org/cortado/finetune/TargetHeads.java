package org.cortado.finetune;

import java.util.SplittableRandom;
import org.cortado.heads.Lbfgs;

/**
 * The linear heads a target objective's probe fits on standardised codes {@code z} (N x D, mean 0): ridge
 * regression for EuclideanLoss and one L2 logistic regression per label for SigmoidCrossEntropyLoss. Each minimises
 * what fine-tuning then minimises, Caffe's loss (EuclideanLoss: {@code 1/(2N) sum ||y - t||^2}; the sigmoid
 * cross-entropy summed over labels, over N) plus {@code lambda/2 ||W||^2}, the weight decay the classifier keeps;
 * lambda is the value of {@link #lambdas} with the lowest 5-fold cross-validated loss (fixed folds; ties to the
 * smaller lambda).
 */
final class TargetHeads {
    static final int FOLDS = 5;

    /**
     * The penalties tried for {@code n} rows: {@code 1 / (C n)} for the softmax probe's C grid ({@link
     * LinearProbe#GRID}, capped at 1 for the reason given there, which weighs more here: a squared error's gradient
     * grows with the error, where a softmax's stays below 1).
     */
    static double[] lambdas(int n) {
        double[] out = new double[LinearProbe.GRID.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = 1 / (LinearProbe.GRID[i] * n);
        }
        return out;
    }

    private TargetHeads() {
    }

    /**
     * A fitted head: {@code weights[k][d]} and {@code bias[k]} in standardised units.
     *
     * @param trainFigure the training MSE (ridge) or mean label accuracy at probability 0.5 (logistic)
     * @param method      what was fitted, in words
     */
    record Fit(double[][] weights, double[] bias, double lambda, double trainFigure, String method) {
    }

    /** Ridge regression of {@code t} (N x K) on {@code z}, in closed form (Cholesky). */
    static Fit ridge(float[][] z, float[][] t) {
        double lambda = choose(z, t, true);
        double[][][] wb = ridgeFit(z, t, all(z.length), lambda);
        double mse = meanLoss(z, t, all(z.length), wb, true) * 2 / t[0].length;
        return new Fit(wb[0], wb[1][0], lambda, mse, String.format(java.util.Locale.ROOT,
                "ridge regression, closed form, lambda %.3g by %d-fold cross-validation", lambda, FOLDS));
    }

    /** One L2 logistic regression per label of {@code t} (N x K, in [0, 1]) on {@code z}, by L-BFGS. */
    static Fit logistic(float[][] z, float[][] t) {
        double lambda = choose(z, t, false);
        double[][][] wb = logisticFit(z, t, all(z.length), lambda);
        int k = t[0].length;
        long right = 0;
        for (int i = 0; i < z.length; i++) {
            for (int c = 0; c < k; c++) {
                right += (output(z[i], wb, c) > 0) == (t[i][c] >= 0.5f) ? 1 : 0;
            }
        }
        return new Fit(wb[0], wb[1][0], lambda, right / ((double) z.length * k), String.format(java.util.Locale.ROOT,
                "logistic regression per label, L-BFGS, lambda %.3g by %d-fold cross-validation", lambda, FOLDS));
    }

    private static int[] all(int n) {
        int[] rows = new int[n];
        for (int i = 0; i < n; i++) {
            rows[i] = i;
        }
        return rows;
    }

    /** The lambda of the lowest mean validation loss over {@link #FOLDS} folds of a fixed shuffle (seed 0). */
    private static double choose(float[][] z, float[][] t, boolean ridge) {
        int n = z.length;
        double[] grid = lambdas(n);
        if (n < FOLDS) {
            return grid[grid.length - 1];
        }
        int[] order = all(n);
        SplittableRandom rng = new SplittableRandom(0);
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int x = order[i];
            order[i] = order[j];
            order[j] = x;
        }
        double bestLoss = Double.POSITIVE_INFINITY;
        double best = grid[0];
        for (double lambda : grid) {
            double loss = 0;
            for (int f = 0; f < FOLDS; f++) {
                int[] fit = new int[n - (n - f + FOLDS - 1) / FOLDS];
                int[] held = new int[n - fit.length];
                for (int i = 0, a = 0, h = 0; i < n; i++) {
                    if (i % FOLDS == f) {
                        held[h++] = order[i];
                    } else {
                        fit[a++] = order[i];
                    }
                }
                double[][][] wb = ridge ? ridgeFit(z, t, fit, lambda) : logisticFit(z, t, fit, lambda);
                loss += meanLoss(z, t, held, wb, ridge) / FOLDS;
            }
            if (loss <= bestLoss) {
                bestLoss = loss;
                best = lambda;
            }
        }
        return best;
    }

    private static double output(float[] z, double[][][] wb, int c) {
        double y = wb[1][0][c];
        for (int j = 0; j < z.length; j++) {
            y += wb[0][c][j] * z[j];
        }
        return y;
    }

    /** Caffe's loss per row over {@code rows}: half the squared error summed over outputs, or the cross-entropy. */
    private static double meanLoss(float[][] z, float[][] t, int[] rows, double[][][] wb, boolean ridge) {
        double sum = 0;
        for (int i : rows) {
            for (int c = 0; c < t[i].length; c++) {
                double y = output(z[i], wb, c);
                sum += ridge ? 0.5 * (y - t[i][c]) * (y - t[i][c]) : crossEntropy(y, t[i][c]);
            }
        }
        return sum / rows.length;
    }

    /** {@code -t log p - (1 - t) log(1 - p)} with {@code p = sigmoid(y)}, computed stably as Caffe does. */
    private static double crossEntropy(double y, double t) {
        return Math.max(y, 0) - y * t + Math.log1p(Math.exp(-Math.abs(y)));
    }

    /** {@code {W (K x D), {b (K)}}} minimising {@code 1/(2n) sum ||W z + b - t||^2 + lambda/2 ||W||^2} over rows. */
    private static double[][][] ridgeFit(float[][] z, float[][] t, int[] rows, double lambda) {
        int d = z[0].length;
        int k = t[0].length;
        int n = rows.length;
        double[] zMean = new double[d];
        double[] tMean = new double[k];
        for (int i : rows) {
            for (int j = 0; j < d; j++) {
                zMean[j] += z[i][j] / (double) n;
            }
            for (int c = 0; c < k; c++) {
                tMean[c] += t[i][c] / (double) n;
            }
        }
        // (Zc' Zc / n + lambda I) W' = Zc' Tc / n on the rows centred: the bias then is tMean - W zMean.
        double[][] a = new double[d][d];
        double[][] rhs = new double[d][k];
        double[] zc = new double[d];
        for (int i : rows) {
            for (int j = 0; j < d; j++) {
                zc[j] = z[i][j] - zMean[j];
            }
            for (int j = 0; j < d; j++) {
                double v = zc[j] / n;
                if (v == 0) {
                    continue;
                }
                for (int m = 0; m <= j; m++) {
                    a[j][m] += v * zc[m];
                }
                for (int c = 0; c < k; c++) {
                    rhs[j][c] += v * (t[i][c] - tMean[c]);
                }
            }
        }
        for (int j = 0; j < d; j++) {
            a[j][j] += lambda;
        }
        double[][] w = choleskySolve(a, rhs);
        double[][] weights = new double[k][d];
        double[] bias = tMean.clone();
        for (int c = 0; c < k; c++) {
            for (int j = 0; j < d; j++) {
                weights[c][j] = w[j][c];
                bias[c] -= w[j][c] * zMean[j];
            }
        }
        return new double[][][] {weights, {bias}};
    }

    /** Solves {@code A X = B} for symmetric positive definite A given by its lower triangle (overwritten). */
    private static double[][] choleskySolve(double[][] a, double[][] b) {
        int d = a.length;
        for (int j = 0; j < d; j++) {
            double s = a[j][j];
            for (int m = 0; m < j; m++) {
                s -= a[j][m] * a[j][m];
            }
            a[j][j] = Math.sqrt(s);
            for (int i = j + 1; i < d; i++) {
                double v = a[i][j];
                for (int m = 0; m < j; m++) {
                    v -= a[i][m] * a[j][m];
                }
                a[i][j] = v / a[j][j];
            }
        }
        int k = b[0].length;
        double[][] x = new double[d][k];
        for (int c = 0; c < k; c++) {
            double[] y = new double[d];
            for (int i = 0; i < d; i++) {
                double v = b[i][c];
                for (int m = 0; m < i; m++) {
                    v -= a[i][m] * y[m];
                }
                y[i] = v / a[i][i];
            }
            for (int i = d - 1; i >= 0; i--) {
                double v = y[i];
                for (int m = i + 1; m < d; m++) {
                    v -= a[m][i] * x[m][c];
                }
                x[i][c] = v / a[i][i];
            }
        }
        return x;
    }

    /** Per label, L-BFGS on {@code 1/n sum crossEntropy(w z + b, t) + lambda/2 ||w||^2} over rows. */
    private static double[][][] logisticFit(float[][] z, float[][] t, int[] rows, double lambda) {
        int d = z[0].length;
        int k = t[0].length;
        double[][] weights = new double[k][];
        double[] bias = new double[k];
        for (int c = 0; c < k; c++) {
            int label = c;
            Lbfgs.Objective f = (x, grad) -> {
                java.util.Arrays.fill(grad, 0);
                double loss = 0;
                for (int i : rows) {
                    double y = x[d];
                    for (int j = 0; j < d; j++) {
                        y += x[j] * z[i][j];
                    }
                    loss += crossEntropy(y, t[i][label]);
                    double g = (1 / (1 + Math.exp(-y)) - t[i][label]) / rows.length;
                    for (int j = 0; j < d; j++) {
                        grad[j] += g * z[i][j];
                    }
                    grad[d] += g;
                }
                loss /= rows.length;
                for (int j = 0; j < d; j++) {
                    loss += 0.5 * lambda * x[j] * x[j];
                    grad[j] += lambda * x[j];
                }
                return loss;
            };
            double[] x = Lbfgs.minimize(f, new double[d + 1], new Lbfgs.Settings(10, 1e-6, 500)).x();
            weights[c] = java.util.Arrays.copyOf(x, d);
            bias[c] = x[d];
        }
        return new double[][][] {weights, {bias}};
    }
}

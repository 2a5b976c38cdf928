package org.cortado.report;

import java.util.stream.IntStream;

/**
 * Exact t-SNE (van der Maaten and Hinton, JMLR 2008) in two dimensions, with scikit-learn's schedule: perplexity
 * calibrated per point by bisection, early exaggeration 12 for 250 iterations, momentum 0.5 then 0.8, adaptive gains,
 * learning rate max(n / 48, 50), and a start from the first two input coordinates (principal components) scaled to
 * a standard deviation of 1e-4, so that the same codes give the same map. O(n^2) per iteration: meant for the
 * hundreds to a thousand or two of points a report's map shows.
 */
final class Tsne {
    static final double PERPLEXITY = 30;
    static final int ITERATIONS = 1000;
    private static final int EXAGGERATED = 250;
    private static final double EXAGGERATION = 12;

    private Tsne() {
    }

    /** The 2-D embedding of {@code x} (rows: points; the first two columns start the layout). */
    static double[][] embed(double[][] x) {
        int n = x.length;
        if (n < 4) {
            double[][] y = new double[n][2];
            for (int i = 0; i < n; i++) {
                y[i][0] = x[i][0];
                y[i][1] = x[i].length > 1 ? x[i][1] : 0;
            }
            return y;
        }
        double[][] p = affinities(x, Math.min(PERPLEXITY, (n - 1) / 3.0));
        double[][] y = start(x);
        double[][] update = new double[n][2];
        double[][] gains = new double[n][2];
        for (double[] g : gains) {
            g[0] = 1;
            g[1] = 1;
        }
        double rate = Math.max(n / EXAGGERATION / 4, 50);
        double[][] grad = new double[n][2];
        for (int it = 0; it < ITERATIONS; it++) {
            double exaggeration = it < EXAGGERATED ? EXAGGERATION : 1;
            double momentum = it < EXAGGERATED ? 0.5 : 0.8;
            gradient(p, y, exaggeration, grad);
            for (int i = 0; i < n; i++) {
                for (int c = 0; c < 2; c++) {
                    boolean sameSign = (grad[i][c] > 0) == (update[i][c] > 0);
                    gains[i][c] = Math.max(0.01, sameSign ? gains[i][c] * 0.8 : gains[i][c] + 0.2);
                    update[i][c] = momentum * update[i][c] - rate * gains[i][c] * grad[i][c];
                    y[i][c] += update[i][c];
                }
            }
        }
        return y;
    }

    /** Symmetric joint probabilities P from Gaussian conditionals of the given perplexity. */
    private static double[][] affinities(double[][] x, double perplexity) {
        int n = x.length;
        double[][] d = new double[n][n];
        IntStream.range(0, n).parallel().forEach(i -> {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int k = 0; k < x[i].length; k++) {
                    double t = x[i][k] - x[j][k];
                    s += t * t;
                }
                d[i][j] = s;
            }
        });
        double target = Math.log(perplexity);
        double[][] p = new double[n][n];
        IntStream.range(0, n).parallel().forEach(i -> {
            double lo = 0;
            double hi = Double.POSITIVE_INFINITY;
            double beta = 1;
            double[] row = p[i];
            for (int step = 0; step < 100; step++) {
                double sum = 0;
                double weighted = 0;
                for (int j = 0; j < n; j++) {
                    row[j] = j == i ? 0 : Math.exp(-d[i][j] * beta);
                    sum += row[j];
                    weighted += d[i][j] * row[j];
                }
                sum = Math.max(sum, 1e-300);
                double entropy = Math.log(sum) + beta * weighted / sum;
                for (int j = 0; j < n; j++) {
                    row[j] /= sum;
                }
                if (Math.abs(entropy - target) < 1e-5) {
                    break;
                }
                if (entropy > target) {
                    lo = beta;
                    beta = hi == Double.POSITIVE_INFINITY ? beta * 2 : (beta + hi) / 2;
                } else {
                    hi = beta;
                    beta = (beta + lo) / 2;
                }
            }
        });
        double[][] joint = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                joint[i][j] = Math.max((p[i][j] + p[j][i]) / (2.0 * n), 1e-12);
            }
        }
        return joint;
    }

    private static double[][] start(double[][] x) {
        int n = x.length;
        double[][] y = new double[n][2];
        double sd = 0;
        for (int i = 0; i < n; i++) {
            y[i][0] = x[i][0];
            y[i][1] = x[i].length > 1 ? x[i][1] : 0;
            sd += y[i][0] * y[i][0];
        }
        sd = Math.sqrt(sd / n);
        double scale = sd == 0 ? 0 : 1e-4 / sd;
        for (double[] r : y) {
            r[0] *= scale;
            r[1] *= scale;
        }
        return y;
    }

    /** The gradient of KL(P || Q) with respect to the layout, into {@code grad}. */
    private static void gradient(double[][] p, double[][] y, double exaggeration, double[][] grad) {
        int n = y.length;
        double[] rowSums = new double[n];
        IntStream.range(0, n).parallel().forEach(i -> {
            double s = 0;
            for (int j = 0; j < n; j++) {
                if (j != i) {
                    double dx = y[i][0] - y[j][0];
                    double dy = y[i][1] - y[j][1];
                    s += 1 / (1 + dx * dx + dy * dy);
                }
            }
            rowSums[i] = s;
        });
        double z = 0;
        for (double s : rowSums) {
            z += s;
        }
        double sumQ = Math.max(z, 1e-300);
        IntStream.range(0, n).parallel().forEach(i -> {
            double gx = 0;
            double gy = 0;
            for (int j = 0; j < n; j++) {
                if (j == i) {
                    continue;
                }
                double dx = y[i][0] - y[j][0];
                double dy = y[i][1] - y[j][1];
                double num = 1 / (1 + dx * dx + dy * dy);
                double f = (exaggeration * p[i][j] - num / sumQ) * num;
                gx += f * dx;
                gy += f * dy;
            }
            grad[i][0] = 4 * gx;
            grad[i][1] = 4 * gy;
        });
    }
}

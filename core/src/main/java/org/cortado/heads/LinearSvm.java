package org.cortado.heads;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Linear support vector machines trained as LIBLINEAR does (Hsieh et al., "A Dual Coordinate Descent Method for
 * Large-scale Linear SVM", ICML 2008): the L2-regularised primal
 * {@code min 0.5 ||w||^2 + C * sum_i loss(y_i w.x_i)}, with hinge {@code max(0, 1 - m)} or squared hinge
 * {@code max(0, 1 - m)^2}, solved in the dual one coordinate at a time.
 *
 * <p>The bias is LIBLINEAR's: a constant feature {@code B} appended to every input (so the bias is regularised as
 * well, like scikit-learn's LinearSVC with {@code intercept_scaling = B}). Several classes are one-vs-rest; two classes
 * are one binary problem with class 1 as the positive class. Coordinates are visited in a random permutation per
 * pass drawn from a seeded generator, so fits are reproducible. No shrinking: every pass visits all coordinates,
 * which keeps the stopping test exact.
 */
public final class LinearSvm {
    /** The loss on the margin {@code m = y w.x}. */
    public enum Loss {
        /** {@code max(0, 1 - m)}: LIBLINEAR's L1-loss SVC (dual solver 3). */
        HINGE,
        /** {@code max(0, 1 - m)^2}: LIBLINEAR's L2-loss SVC (dual solver 1), scikit-learn's LinearSVC default. */
        SQUARED_HINGE;

        /** Lower-case name for reports: "hinge" or "squared_hinge". */
        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * Solver settings.
     *
     * @param tolerance     stop when the projected-gradient spread {@code max PG - min PG} falls below this
     *                      (LIBLINEAR's {@code -e}; its default 0.1 is loose, 1e-4 gives optima to about 4 digits)
     * @param maxIterations passes over the data at most
     * @param biasFeature   the appended constant B; 0 for no bias
     * @param seed          seed of the coordinate permutations
     */
    public record Settings(double tolerance, int maxIterations, double biasFeature, long seed) {
        public static final Settings DEFAULT = new Settings(1e-4, 10_000, 1.0, 1);

        public Settings {
            if (!(tolerance > 0) || maxIterations < 1 || !(biasFeature >= 0)) {
                throw new IllegalArgumentException("bad SVM settings: tolerance " + tolerance + ", iterations "
                        + maxIterations + ", bias feature " + biasFeature);
            }
        }
    }

    /**
     * One binary problem's solution.
     *
     * @param w          weights on the inputs
     * @param bias       {@code w_B * B}, the bias of the decision function {@code w.x + bias}
     * @param alpha      dual variables, one per input
     * @param iterations passes over the data
     * @param converged  whether the tolerance was met
     */
    public record BinaryFit(double[] w, double bias, double[] alpha, int iterations, boolean converged) {
    }

    /** A fitted one-vs-rest (or binary) model and the per-problem solver outcomes. */
    public record Fit(LinearModel model, BinaryFit[] problems) {
        /** Whether every binary problem converged. */
        public boolean converged() {
            for (BinaryFit p : problems) {
                if (!p.converged()) {
                    return false;
                }
            }
            return true;
        }
    }

    private LinearSvm() {
    }

    /** Fits a classifier over {@code classes} classes; for two classes the model's class-0 row is zero. */
    public static Fit fit(float[][] x, int[] y, int classes, double c, Loss loss, Settings settings) {
        Labels.check(x, y, classes);
        int d = x[0].length;
        if (classes == 2) {
            BinaryFit f = fitBinary(x, positives(y, 1), c, loss, settings);
            return new Fit(new LinearModel(new double[][] {new double[d], f.w()}, new double[] {0, f.bias()}),
                    new BinaryFit[] {f});
        }
        double[][] w = new double[classes][];
        double[] b = new double[classes];
        BinaryFit[] fits = new BinaryFit[classes];
        for (int k = 0; k < classes; k++) {
            fits[k] = fitBinary(x, positives(y, k), c, loss, settings);
            w[k] = fits[k].w();
            b[k] = fits[k].bias();
        }
        return new Fit(new LinearModel(w, b), fits);
    }

    private static boolean[] positives(int[] y, int k) {
        boolean[] p = new boolean[y.length];
        for (int i = 0; i < y.length; i++) {
            p[i] = y[i] == k;
        }
        return p;
    }

    /** Dual coordinate descent on one binary problem ({@code positive[i]} says whether y_i = +1). */
    public static BinaryFit fitBinary(float[][] x, boolean[] positive, double c, Loss loss, Settings st) {
        if (!(c > 0) || Double.isInfinite(c)) {
            throw new IllegalArgumentException("C must be positive and finite, got " + c);
        }
        int n = x.length;
        int d = x[0].length;
        double bf = st.biasFeature();
        // Box bound U and diagonal shift D_ii of the dual: hinge has 0 <= a <= C; squared hinge a >= 0 and 1/(2C).
        double upper = loss == Loss.HINGE ? c : Double.POSITIVE_INFINITY;
        double diag = loss == Loss.HINGE ? 0 : 1 / (2 * c);
        double[] qd = new double[n];
        for (int i = 0; i < n; i++) {
            double ss = bf * bf;
            for (float v : x[i]) {
                ss += (double) v * v;
            }
            qd[i] = ss + diag;
        }
        double[] w = new double[d];
        double wb = 0;
        double[] alpha = new double[n];
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        SplittableRandom rng = new SplittableRandom(st.seed());
        int iter = 0;
        boolean converged = false;
        while (iter < st.maxIterations()) {
            iter++;
            for (int i = 0; i < n - 1; i++) {
                int j = i + rng.nextInt(n - i);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            double pgMax = Double.NEGATIVE_INFINITY;
            double pgMin = Double.POSITIVE_INFINITY;
            for (int s = 0; s < n; s++) {
                int i = order[s];
                float[] xi = x[i];
                double yi = positive[i] ? 1 : -1;
                double wx = wb * bf;
                for (int j = 0; j < d; j++) {
                    wx += w[j] * xi[j];
                }
                double g = yi * wx - 1 + diag * alpha[i];
                double pg = g;
                if (alpha[i] == 0) {
                    pg = Math.min(g, 0);
                } else if (alpha[i] == upper) {
                    pg = Math.max(g, 0);
                }
                pgMax = Math.max(pgMax, pg);
                pgMin = Math.min(pgMin, pg);
                if (Math.abs(pg) > 1e-12) {
                    double old = alpha[i];
                    alpha[i] = Math.min(Math.max(old - g / qd[i], 0), upper);
                    double delta = (alpha[i] - old) * yi;
                    for (int j = 0; j < d; j++) {
                        w[j] += delta * xi[j];
                    }
                    wb += delta * bf;
                }
            }
            if (pgMax - pgMin <= st.tolerance()) {
                converged = true;
                break;
            }
        }
        return new BinaryFit(w, wb * bf, alpha, iter, converged);
    }

    /** The primal objective {@code 0.5 (||w||^2 + w_B^2) + C sum loss} of a binary solution. */
    public static double primal(float[][] x, boolean[] positive, double c, Loss loss, double biasFeature,
            double[] w, double bias) {
        double wb = biasFeature > 0 ? bias / biasFeature : 0;
        double f = 0.5 * (Lbfgs.dot(w, w) + wb * wb);
        for (int i = 0; i < x.length; i++) {
            double m = bias;
            for (int j = 0; j < w.length; j++) {
                m += w[j] * x[i][j];
            }
            double xi = Math.max(0, 1 - (positive[i] ? m : -m));
            f += c * (loss == Loss.HINGE ? xi : xi * xi);
        }
        return f;
    }

    /** The dual objective {@code sum a - 0.5 ||w(a)||^2 - 0.5 D sum a^2}, a lower bound on the primal optimum. */
    public static double dual(BinaryFit fit, double c, Loss loss, double biasFeature) {
        double wb = biasFeature > 0 ? fit.bias() / biasFeature : 0;
        double diag = loss == Loss.HINGE ? 0 : 1 / (2 * c);
        double f = -0.5 * (Lbfgs.dot(fit.w(), fit.w()) + wb * wb);
        for (double a : fit.alpha()) {
            f += a - 0.5 * diag * a * a;
        }
        return f;
    }
}

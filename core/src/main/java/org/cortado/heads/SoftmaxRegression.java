package org.cortado.heads;

/**
 * Multinomial logistic (softmax) regression with an L2 penalty, scikit-learn's parametrisation:
 * minimise {@code 0.5 ||W||^2 + C * sum_i -log softmax(W x_i + b)[y_i]} over W (classes x D) and b; the bias is not
 * penalised. Fitted by {@link Lbfgs} from zero, so the result is deterministic.
 *
 * <p>With two classes the two weight rows end up opposite ({@code w0 = -w1}), so the penalty is
 * {@code 0.25 ||w1 - w0||^2}: this model with C equals scikit-learn's binary LogisticRegression with 2C.
 */
public final class SoftmaxRegression {
    private SoftmaxRegression() {
    }

    /** A fitted model and how the optimiser ended. */
    public record Fit(LinearModel model, Lbfgs.Result optimizer) {
    }

    /**
     * Fits the model.
     *
     * @param x       inputs, N x D (not modified)
     * @param y       labels in {@code 0..classes-1}
     * @param classes number of classes K (at least 2)
     * @param c       inverse regularisation strength C > 0
     */
    public static Fit fit(float[][] x, int[] y, int classes, double c, Lbfgs.Settings settings) {
        Labels.check(x, y, classes);
        if (!(c > 0) || Double.isInfinite(c)) {
            throw new IllegalArgumentException("C must be positive and finite, got " + c);
        }
        int d = x[0].length;
        Lbfgs.Result r = Lbfgs.minimize((theta, grad) -> objective(x, y, classes, c, theta, grad),
                new double[classes * (d + 1)], settings);
        return new Fit(unpack(r.x(), classes, d), r);
    }

    /** W (row-major, K x D) then b (K) as one vector; the optimiser's parameter layout. */
    static LinearModel unpack(double[] theta, int classes, int d) {
        double[][] w = new double[classes][d];
        double[] b = new double[classes];
        for (int k = 0; k < classes; k++) {
            System.arraycopy(theta, k * d, w[k], 0, d);
            b[k] = theta[classes * d + k];
        }
        return new LinearModel(w, b);
    }

    /** The penalised negative log-likelihood at {@code theta}; its gradient is added into {@code grad}. */
    static double objective(float[][] x, int[] y, int classes, double c, double[] theta, double[] grad) {
        int d = x[0].length;
        int biasAt = classes * d;
        double f = 0;
        for (int i = 0; i < classes * d; i++) {
            f += 0.5 * theta[i] * theta[i];
            grad[i] += theta[i];
        }
        double[] s = new double[classes];
        for (int n = 0; n < x.length; n++) {
            float[] xn = x[n];
            double max = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < classes; k++) {
                double acc = theta[biasAt + k];
                int off = k * d;
                for (int j = 0; j < d; j++) {
                    acc += theta[off + j] * xn[j];
                }
                s[k] = acc;
                max = Math.max(max, acc);
            }
            // -log p_y = log(sum_k exp(s_k - max)) - (s_y - max), without exp underflow in the loss.
            double scoreY = s[y[n]] - max;
            double sum = 0;
            for (int k = 0; k < classes; k++) {
                s[k] = Math.exp(s[k] - max);
                sum += s[k];
            }
            f += c * (Math.log(sum) - scoreY);
            for (int k = 0; k < classes; k++) {
                double r = c * (s[k] / sum - (k == y[n] ? 1 : 0));
                int off = k * d;
                for (int j = 0; j < d; j++) {
                    grad[off + j] += r * xn[j];
                }
                grad[biasAt + k] += r;
            }
        }
        return f;
    }
}

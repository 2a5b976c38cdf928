package org.cortado.heads;

/**
 * Class scores {@code s = W x + b} with prediction {@code argmax s} (the first maximum on ties).
 *
 * @param weights W, classes x D (not copied)
 * @param bias    b, one per class (not copied)
 */
public record LinearModel(double[][] weights, double[] bias) {
    public LinearModel {
        if (weights.length != bias.length || weights.length == 0) {
            throw new IllegalArgumentException(weights.length + " weight rows but " + bias.length + " biases");
        }
        for (double[] row : weights) {
            if (row.length != weights[0].length) {
                throw new IllegalArgumentException("weight rows of different lengths: " + row.length + " and "
                        + weights[0].length);
            }
        }
    }

    public int classes() {
        return bias.length;
    }

    public int dim() {
        return weights[0].length;
    }

    /** The K scores of one input. */
    public double[] scores(float[] x) {
        if (x.length != dim()) {
            throw new IllegalArgumentException("input of " + x.length + " dimensions for a model of " + dim());
        }
        double[] s = new double[classes()];
        for (int k = 0; k < s.length; k++) {
            double[] w = weights[k];
            double acc = bias[k];
            for (int j = 0; j < x.length; j++) {
                acc += w[j] * x[j];
            }
            s[k] = acc;
        }
        return s;
    }

    /** The predicted class of each input. */
    public int[] predict(float[][] x) {
        int[] out = new int[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = argmax(scores(x[i]));
        }
        return out;
    }

    /** The index of the first largest value. */
    public static int argmax(double[] v) {
        int best = 0;
        for (int k = 1; k < v.length; k++) {
            if (v[k] > v[best]) {
                best = k;
            }
        }
        return best;
    }
}

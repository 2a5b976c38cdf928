package org.cortado.heads;

/**
 * A fitted {@link Preprocessing}: for standardisation the training means and standard deviations.
 *
 * <p>A dimension with zero variance on the training set gets a standard deviation of 1 (it is only centred), as
 * scikit-learn's StandardScaler does, so that constant features (dead ReLU units) do not divide by zero.
 */
public final class Preprocessor {
    private final Preprocessing kind;
    private final double[] mean;
    private final double[] std;

    private Preprocessor(Preprocessing kind, double[] mean, double[] std) {
        this.kind = kind;
        this.mean = mean;
        this.std = std;
    }

    /** Fits {@code kind} on the training codes {@code x} (N x D, not modified). */
    public static Preprocessor fit(Preprocessing kind, float[][] x) {
        if (kind != Preprocessing.STANDARDIZE) {
            return new Preprocessor(kind, null, null);
        }
        if (x.length == 0) {
            throw new IllegalArgumentException("cannot fit standardisation on zero codes");
        }
        int d = x[0].length;
        double[] mean = new double[d];
        for (float[] row : x) {
            for (int j = 0; j < d; j++) {
                mean[j] += row[j];
            }
        }
        for (int j = 0; j < d; j++) {
            mean[j] /= x.length;
        }
        double[] var = new double[d];
        for (float[] row : x) {
            for (int j = 0; j < d; j++) {
                double c = row[j] - mean[j];
                var[j] += c * c;
            }
        }
        double[] std = new double[d];
        for (int j = 0; j < d; j++) {
            double s = Math.sqrt(var[j] / x.length);
            std[j] = s > 0 ? s : 1;
        }
        return new Preprocessor(kind, mean, std);
    }

    public Preprocessing kind() {
        return kind;
    }

    /** Training means per dimension (standardisation only, else null); a copy. */
    public double[] mean() {
        return mean == null ? null : mean.clone();
    }

    /** Training standard deviations per dimension, zeros replaced by 1 (standardisation only, else null); a copy. */
    public double[] std() {
        return std == null ? null : std.clone();
    }

    /** The preprocessed codes (a new array; {@code x} is not modified). */
    public float[][] apply(float[][] x) {
        float[][] out = new float[x.length][];
        for (int i = 0; i < x.length; i++) {
            out[i] = apply(x[i]);
        }
        return out;
    }

    /** One preprocessed code (a new array). */
    public float[] apply(float[] row) {
        float[] out = new float[row.length];
        switch (kind) {
            case NONE -> System.arraycopy(row, 0, out, 0, row.length);
            case STANDARDIZE -> {
                if (row.length != mean.length) {
                    throw new IllegalArgumentException("code of " + row.length + " dimensions, but standardisation was"
                            + " fitted on " + mean.length);
                }
                for (int j = 0; j < row.length; j++) {
                    out[j] = (float) ((row[j] - mean[j]) / std[j]);
                }
            }
            case L2 -> {
                double ss = 0;
                for (float v : row) {
                    ss += (double) v * v;
                }
                double inv = ss > 0 ? 1 / Math.sqrt(ss) : 0;
                for (int j = 0; j < row.length; j++) {
                    out[j] = (float) (row[j] * inv);
                }
            }
        }
        return out;
    }
}

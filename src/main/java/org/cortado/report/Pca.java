package org.cortado.report;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;

/**
 * Principal components of rows of codes, by EJML's symmetric eigendecomposition of the smaller of the covariance
 * ({@code d x d}) and the Gram matrix ({@code m x m}) of the centred rows, so that the cost stays bounded by the
 * number of rows fitted whatever the length of a code.
 *
 * @param mean      the fitted rows' mean
 * @param axes      {@code axes[c]}: the c-th principal direction, unit length, largest variance first
 * @param explained the share of the total variance along each axis
 */
record Pca(double[] mean, double[][] axes, double[] explained) {
    /** Fits {@code components} axes to {@code rows} (at least two rows). */
    static Pca fit(float[][] rows, int components) {
        int m = rows.length;
        int d = rows[0].length;
        double[] mean = new double[d];
        for (float[] r : rows) {
            for (int j = 0; j < d; j++) {
                mean[j] += r[j];
            }
        }
        for (int j = 0; j < d; j++) {
            mean[j] /= m;
        }
        double[][] x = new double[m][d];
        double total = 0;
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < d; j++) {
                x[i][j] = rows[i][j] - mean[j];
                total += x[i][j] * x[i][j];
            }
        }
        boolean gram = d > m;
        int n = gram ? m : d;
        DMatrixRMaj s = new DMatrixRMaj(n, n);
        for (int a = 0; a < n; a++) {
            for (int b = a; b < n; b++) {
                double sum = 0;
                if (gram) {
                    for (int j = 0; j < d; j++) {
                        sum += x[a][j] * x[b][j];
                    }
                } else {
                    for (int i = 0; i < m; i++) {
                        sum += x[i][a] * x[i][b];
                    }
                }
                s.unsafe_set(a, b, sum);
                s.unsafe_set(b, a, sum);
            }
        }
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(n, true, true);
        if (!eig.decompose(s)) {
            throw new IllegalStateException("the eigendecomposition of the codes' " + n + "x" + n + " scatter matrix"
                    + " failed");
        }
        int k = Math.min(components, n);
        double[][] axes = new double[k][];
        double[] explained = new double[k];
        boolean[] used = new boolean[n];
        for (int c = 0; c < k; c++) {
            int best = -1;
            for (int i = 0; i < n; i++) {
                if (!used[i] && (best < 0 || eig.getEigenvalue(i).real > eig.getEigenvalue(best).real)) {
                    best = i;
                }
            }
            used[best] = true;
            double lambda = Math.max(0, eig.getEigenvalue(best).real);
            explained[c] = total > 0 ? lambda / total : 0;
            DMatrixRMaj v = eig.getEigenVector(best);
            double[] axis = new double[d];
            if (gram) {
                // An eigenvector u of X X^T gives the direction X^T u of the same variance.
                for (int i = 0; i < m; i++) {
                    double ui = v.get(i, 0);
                    for (int j = 0; j < d; j++) {
                        axis[j] += ui * x[i][j];
                    }
                }
            } else {
                for (int j = 0; j < d; j++) {
                    axis[j] = v.get(j, 0);
                }
            }
            normalise(axis);
            axes[c] = axis;
        }
        return new Pca(mean, axes, explained);
    }

    /** The coordinates of {@code row} along the axes. */
    double[] project(float[] row) {
        double[] out = new double[axes.length];
        for (int c = 0; c < axes.length; c++) {
            double sum = 0;
            for (int j = 0; j < row.length; j++) {
                sum += (row[j] - mean[j]) * axes[c][j];
            }
            out[c] = sum;
        }
        return out;
    }

    private static void normalise(double[] v) {
        double norm = 0;
        for (double a : v) {
            norm += a * a;
        }
        norm = Math.sqrt(norm);
        // Fix the sign so that the same codes always give the same picture: the largest component is positive.
        int big = 0;
        for (int j = 1; j < v.length; j++) {
            if (Math.abs(v[j]) > Math.abs(v[big])) {
                big = j;
            }
        }
        double scale = norm == 0 ? 0 : (v[big] < 0 ? -1 : 1) / norm;
        for (int j = 0; j < v.length; j++) {
            v[j] *= scale;
        }
    }
}

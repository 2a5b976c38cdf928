package org.cortado.backend.cpu;

import org.cortado.backend.RowReduction;
import org.cortado.backend.TopK;

/**
 * Reference loops of the per-row reductions of Caffe's Reduction, MVN and ArgMax layers over host arrays, the oracle
 * of the GPU's {@code reduction.cu}. Rows are {@code dim} consecutive values; sums run in double (Caffe sums in float,
 * the GPU in another order), results are rounded to float where Caffe keeps a float.
 */
public final class CpuReductions {
    private CpuReductions() {
    }

    /** {@code y[r] = coeff * sum over j of g(x[r, j])} for rows {@code [from, to)}, g by {@code op}. */
    public static void reduceRows(RowReduction op, float[] x, float[] y, int dim, float coeff, int from, int to) {
        for (int r = from; r < to; r++) {
            double sum = 0;
            int base = r * dim;
            for (int j = base; j < base + dim; j++) {
                float v = x[j];
                sum += switch (op) {
                    case SUM -> v;
                    case ASUM -> Math.abs(v);
                    case SUMSQ -> v * v;
                };
            }
            float s = (float) sum;
            y[r] = coeff == 1f ? s : s * coeff;
        }
    }

    /**
     * Caffe's Reduction backward, {@code dx[r, j] = b * g'(x[r, j])} with {@code b = dy[r] * coeff}: b (SUM), b
     * sign(x) (ASUM), {@code 2b * x} (SUMSQ), for rows {@code [from, to)}.
     */
    public static void reduceRowsBackward(RowReduction op, float[] x, float[] dy, float[] dx, int dim, float coeff,
                                          int from, int to) {
        for (int r = from; r < to; r++) {
            float b = dy[r] * coeff;
            int base = r * dim;
            for (int j = base; j < base + dim; j++) {
                float v = x[j];
                dx[j] = switch (op) {
                    case SUM -> b;
                    case ASUM -> ((0f < v ? 1f : 0f) - (v < 0f ? 1f : 0f)) * b;
                    case SUMSQ -> 2 * b * v;
                };
            }
        }
    }

    /**
     * Caffe's MVN forward for rows {@code [from, to)}: {@code y = x - mean}, then with {@code normalizeVariance}
     * divided by {@code std[r] = sqrt(mean((x - mean)^2)) + eps}, which is kept for backward.
     */
    public static void mvnForward(float[] x, float[] y, float[] std, int dim, boolean normalizeVariance, float eps,
                                  int from, int to) {
        for (int r = from; r < to; r++) {
            int base = r * dim;
            double sum = 0;
            for (int j = base; j < base + dim; j++) {
                sum += x[j];
            }
            float mean = (float) (sum / dim);
            double squares = 0;
            for (int j = base; j < base + dim; j++) {
                float c = x[j] - mean;
                y[j] = c;
                squares += c * c;
            }
            if (normalizeVariance) {
                float s = (float) Math.sqrt((float) (squares / dim)) + eps;
                std[r] = s;
                for (int j = base; j < base + dim; j++) {
                    y[j] /= s;
                }
            }
        }
    }

    /**
     * Caffe's MVN backward for rows {@code [from, to)}: with {@code normalizeVariance},
     * {@code dx = (dy - (sum(dy * y) * y + sum(dy)) / dim) / std} (Caffe's formula, which leaves out eps's own
     * derivative); without, {@code dx = dy - mean(dy)}. {@code dx} may be {@code dy}: each row is read whole first.
     */
    public static void mvnBackward(float[] y, float[] std, float[] dy, float[] dx, int dim, boolean normalizeVariance,
                                   int from, int to) {
        for (int r = from; r < to; r++) {
            int base = r * dim;
            double sumDy = 0;
            double sumDyY = 0;
            for (int j = base; j < base + dim; j++) {
                sumDy += dy[j];
                sumDyY += dy[j] * y[j];
            }
            if (normalizeVariance) {
                float a = (float) sumDyY;
                float b = (float) sumDy;
                float s = std[r];
                for (int j = base; j < base + dim; j++) {
                    dx[j] = (dy[j] + (-1f / dim) * (a * y[j] + b)) / s;
                }
            } else {
                float mean = (float) (sumDy / dim);
                for (int j = base; j < base + dim; j++) {
                    dx[j] = dy[j] - mean;
                }
            }
        }
    }

    /** Caffe's ArgMax for positions {@code [from, to)} of {@code outer * inner} (see {@link TopK}). */
    public static void argMax(float[] x, float[] out, TopK t, int from, int to) {
        int dim = t.dim();
        int inner = t.inner();
        for (int p = from; p < to; p++) {
            int o = p / inner;
            int i = p % inner;
            int base = o * dim * inner + i;
            // k passes, each taking the largest (value, index) pair below the previous one: Caffe's order, without
            // sorting a copy of the row.
            float prevValue = Float.POSITIVE_INFINITY;
            int prevIndex = Integer.MAX_VALUE;
            for (int j = 0; j < t.k(); j++) {
                float bestValue = Float.NEGATIVE_INFINITY;
                int bestIndex = -1;
                for (int d = 0; d < dim; d++) {
                    float v = x[base + d * inner];
                    boolean belowPrevious = v < prevValue || (v == prevValue && d < prevIndex);
                    boolean better = bestIndex < 0 || v > bestValue || (v == bestValue && d > bestIndex);
                    if (belowPrevious && better) {
                        bestValue = v;
                        bestIndex = d;
                    }
                }
                int at = o * t.outerStride() + j * inner + i;
                if (t.indexOffset() >= 0) {
                    out[at + t.indexOffset()] = bestIndex;
                }
                if (t.valueOffset() >= 0) {
                    out[at + t.valueOffset()] = bestValue;
                }
                prevValue = bestValue;
                prevIndex = bestIndex;
            }
        }
    }
}

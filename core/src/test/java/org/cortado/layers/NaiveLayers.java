package org.cortado.layers;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * Naive references of the layers cortado took over from Caffe after its classification nets, written straight from
 * Caffe's definitions (loop for loop where Caffe's code is the definition), in double: the per-layer tests and the
 * acceptance net ({@link CaffeLayersAcceptanceTest}) check the layers against them.
 */
final class NaiveLayers {
    private NaiveLayers() {
    }

    /** Caffe's formula with slope {@code slope[c]} for element {@code i} of {@code (N, C, inner)}. */
    static double[] prelu(Tensor x, float[] slope, int channels, int inner, boolean shared) {
        double[] y = new double[x.count()];
        for (int i = 0; i < y.length; i++) {
            double v = x.hostData()[i];
            double a = slope[shared ? 0 : (i / inner) % channels];
            y[i] = Math.max(v, 0) + a * Math.min(v, 0);
        }
        return y;
    }

    /**
     * The definition, as a scatter: each input pixel {@code (c, h, w)} adds {@code x * weight[c, k', ky, kx]} to output
     * {@code (k, h s - pad + ky d, w s - pad + kx d)} for the outputs {@code k} of c's group, plus the bias.
     */
    static double[] deconvolution(Tensor x, Tensor weight, Tensor bias, int[] stride, int[] pad, int dil, int group,
                                  Shape out) {
        int n = x.shape().dim(0);
        int c = x.shape().dim(1);
        int h = x.shape().dim(2);
        int w = x.shape().dim(3);
        int kPerGroup = weight.shape().dim(1);
        int kh = weight.shape().dim(2);
        int kw = weight.shape().dim(3);
        int k = out.dim(1);
        int oh = out.dim(2);
        int ow = out.dim(3);
        double[] y = new double[out.count()];
        for (int b = 0; b < n; b++) {
            for (int o = 0; o < k; o++) {
                for (int i = 0; i < oh * ow; i++) {
                    y[(b * k + o) * oh * ow + i] = bias == null ? 0 : bias.hostData()[o];
                }
            }
            for (int ci = 0; ci < c; ci++) {
                int g = ci / (c / group);
                for (int kk = 0; kk < kPerGroup; kk++) {
                    int o = g * kPerGroup + kk;
                    for (int yy = 0; yy < h; yy++) {
                        for (int xx = 0; xx < w; xx++) {
                            double v = x.hostData()[((b * c + ci) * h + yy) * w + xx];
                            for (int ky = 0; ky < kh; ky++) {
                                for (int kx = 0; kx < kw; kx++) {
                                    int ty = yy * stride[0] - pad[0] + ky * dil;
                                    int tx = xx * stride[1] - pad[1] + kx * dil;
                                    if (ty >= 0 && ty < oh && tx >= 0 && tx < ow) {
                                        y[((b * k + o) * oh + ty) * ow + tx] += v
                                                * weight.hostData()[((ci * kPerGroup + kk) * kh + ky) * kw + kx];
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return y;
    }

    /** Caffe's definition: {@code top[i...] = bottom[i... + offset...]}, loop per element over four axes. */
    static float[] crop(Tensor x, Shape out, int[] off) {
        Shape in = x.shape();
        float[] y = new float[out.count()];
        int k = 0;
        for (int a = 0; a < out.dim(0); a++) {
            for (int b = 0; b < out.dim(1); b++) {
                for (int c = 0; c < out.dim(2); c++) {
                    for (int d = 0; d < out.dim(3); d++) {
                        int at = (((a + off[0]) * in.dim(1) + b + off[1]) * in.dim(2) + c + off[2]) * in.dim(3) + d
                                + off[3];
                        y[k++] = x.hostData()[at];
                    }
                }
            }
        }
        return y;
    }

    /** Rows of {@code dim}: x - mean, over sqrt(var) + eps when {@code variance}, in double. */
    static double[] mvn(Tensor x, int dim, boolean variance, double eps) {
        double[] y = new double[x.count()];
        for (int r = 0; r < y.length / dim; r++) {
            double mean = 0;
            for (int j = 0; j < dim; j++) {
                mean += x.hostData()[r * dim + j];
            }
            mean /= dim;
            double var = 0;
            for (int j = 0; j < dim; j++) {
                double c = x.hostData()[r * dim + j] - mean;
                var += c * c;
            }
            double div = variance ? Math.sqrt(var / dim) + eps : 1;
            for (int j = 0; j < dim; j++) {
                y[r * dim + j] = (x.hostData()[r * dim + j] - mean) / div;
            }
        }
        return y;
    }

    /** Each of the {@code rows} rows reduced by {@code g}, times coeff, in double. */
    static double[] reduction(Tensor x, int rows, java.util.function.DoubleUnaryOperator g, double coeff) {
        int dim = x.count() / rows;
        double[] y = new double[rows];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < dim; j++) {
                y[r] += g.applyAsDouble(x.hostData()[r * dim + j]);
            }
            y[r] *= coeff;
        }
        return y;
    }

    /** Caffe's order: sort (value, index) pairs descending, both compared. */
    static List<Integer> argMaxOrder(float[] values) {
        List<Integer> idx = new ArrayList<>();
        for (int i = 0; i < values.length; i++) {
            idx.add(i);
        }
        idx.sort(Comparator.<Integer>comparingDouble(i -> values[i]).thenComparingInt(i -> i).reversed());
        return idx;
    }

    /** Per window (no padding, clipped to the input): sum(x^2) / sum(x), 0 where the sum is not positive. */
    static double[] stochasticPool(Tensor x, int k, int s, int outH, int outW) {
        Shape in = x.shape();
        int h = in.dim(2);
        int w = in.dim(3);
        int planes = in.dim(0) * in.dim(1);
        double[] y = new double[planes * outH * outW];
        for (int p = 0; p < planes; p++) {
            for (int oy = 0; oy < outH; oy++) {
                for (int ox = 0; ox < outW; ox++) {
                    double sum = 0;
                    double sq = 0;
                    for (int yy = oy * s; yy < Math.min(oy * s + k, h); yy++) {
                        for (int xx = ox * s; xx < Math.min(ox * s + k, w); xx++) {
                            double v = x.hostData()[(p * h + yy) * w + xx];
                            sum += v;
                            sq += v * v;
                        }
                    }
                    y[(p * outH + oy) * outW + ox] = sum > 0 ? sq / sum : 0;
                }
            }
        }
        return y;
    }

    /** The cross-entropy of sigmoid(x) against t over targets not ignored (-1), and their number. */
    static double[] sigmoidCrossEntropy(Tensor x, Tensor t) {
        double sum = 0;
        int valid = 0;
        for (int i = 0; i < x.count(); i++) {
            double target = t.hostData()[i];
            if (target == -1) {
                continue;
            }
            // log sigmoid(x) = -softplus(-x), log(1 - sigmoid(x)) = -softplus(x): exact in double for large |x|, where
            // 1 - sigmoid(x) would cancel.
            double v = x.hostData()[i];
            sum += target * softplus(-v) + (1 - target) * softplus(v);
            valid++;
        }
        return new double[] {sum, valid};
    }

    /** {@code log(1 + exp(z))} without overflow or cancellation. */
    static double softplus(double z) {
        return Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
    }

    /** Caffe's definition over (outer, L, inner) with the softmax in double; labels -1 ignored; {sum, labelled}. */
    static double[] infogain(Tensor x, Tensor lab, Tensor h, int outer, int classes, int inner) {
        double sum = 0;
        int valid = 0;
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                int label = (int) lab.hostData()[o * inner + i];
                if (label == -1) {
                    continue;
                }
                double z = 0;
                for (int l = 0; l < classes; l++) {
                    z += Math.exp(x.hostData()[(o * classes + l) * inner + i]);
                }
                for (int l = 0; l < classes; l++) {
                    double p = Math.exp(x.hostData()[(o * classes + l) * inner + i]) / z;
                    sum -= h.hostData()[label * classes + l] * Math.log(Math.max(p, 1e-20));
                }
                valid++;
            }
        }
        return new double[] {sum, valid};
    }

    /** Caffe's definition: similar pairs d^2, others max(margin - d, 0)^2 (legacy: max(margin - d^2, 0)), / 2N. */
    static double contrastive(Tensor a, Tensor b, Tensor y, double margin, boolean legacy) {
        int n = y.count();
        int c = a.count() / n;
        double loss = 0;
        for (int i = 0; i < n; i++) {
            double d2 = 0;
            for (int j = 0; j < c; j++) {
                double d = a.hostData()[i * c + j] - b.hostData()[i * c + j];
                d2 += d * d;
            }
            if (y.hostData()[i] != 0) {
                loss += d2;
            } else if (legacy) {
                loss += Math.max(margin - d2, 0);
            } else {
                double m = Math.max(margin - Math.sqrt(d2), 0);
                loss += m * m;
            }
        }
        return loss / n / 2;
    }

    /** {@code x[o, c, i] + b[c]} over {@code (outer, channels, inner)}. */
    static double[] bias(Tensor x, Tensor b, int channels, int inner) {
        double[] y = new double[x.count()];
        for (int i = 0; i < y.length; i++) {
            y[i] = x.hostData()[i] + (double) b.hostData()[(i / inner) % channels];
        }
        return y;
    }

    /** Caffe's Tile: each of the {@code outer} blocks of {@code inner} values, {@code tiles} times in a row. */
    static double[] tile(Tensor x, int outer, int inner, int tiles) {
        double[] y = new double[x.count() * tiles];
        for (int o = 0; o < outer; o++) {
            for (int t = 0; t < tiles; t++) {
                for (int i = 0; i < inner; i++) {
                    y[(o * tiles + t) * inner + i] = x.hostData()[o * inner + i];
                }
            }
        }
        return y;
    }

    /**
     * Caffe's ArgMax for {@code outer} rows of {@code dim} values along an axis of stride {@code inner}: the top
     * {@code k} indices, or with {@code values} their values, laid out {@code (outer, k, inner)}.
     */
    static double[] argMax(Tensor x, int outer, int dim, int inner, int k, boolean values) {
        double[] y = new double[outer * k * inner];
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                float[] column = new float[dim];
                for (int d = 0; d < dim; d++) {
                    column[d] = x.hostData()[(o * dim + d) * inner + i];
                }
                List<Integer> order = argMaxOrder(column);
                for (int j = 0; j < k; j++) {
                    y[(o * k + j) * inner + i] = values ? column[order.get(j)] : order.get(j);
                }
            }
        }
        return y;
    }

    /** Embed: row {@code ids[m]} of {@code weight (K, N)} plus {@code bias (N)} for each index. */
    static double[] embed(Tensor ids, Tensor weight, Tensor bias) {
        int n = weight.shape().dim(1);
        double[] y = new double[ids.count() * n];
        for (int m = 0; m < ids.count(); m++) {
            for (int j = 0; j < n; j++) {
                y[m * n + j] = weight.hostData()[(int) ids.hostData()[m] * n + j] + (double) bias.hostData()[j];
            }
        }
        return y;
    }

    /** EuclideanLoss: {@code sum((a - b)^2) / 2N}. */
    static double euclidean(Tensor a, Tensor b) {
        double sum = 0;
        for (int i = 0; i < a.count(); i++) {
            double d = a.hostData()[i] - b.hostData()[i];
            sum += d * d;
        }
        return sum / a.shape().dim(0) / 2;
    }

    /** MultinomialLogisticLoss: {@code -sum log(max(prob[n, label_n], 1e-20)) / N}. */
    static double multinomialLogistic(Tensor prob, Tensor labels) {
        int num = labels.count();
        int dim = prob.count() / num;
        double sum = 0;
        for (int n = 0; n < num; n++) {
            sum -= Math.log(Math.max(prob.hostData()[n * dim + (int) labels.hostData()[n]], 1e-20));
        }
        return sum / num;
    }
}

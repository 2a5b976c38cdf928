package org.cortado.layers;

import java.util.List;
import org.cortado.backend.Backend;
import org.cortado.caffe.proto.Caffe.HingeLossParameter;
import org.cortado.caffe.proto.Caffe.LayerParameter;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * HingeLoss, Caffe's one-vs-all hinge for SVM-style training: bottoms are scores {@code (N, D...)} (D = count/N
 * classes) and labels {@code (N)}; with {@code t_nk = +1} for the label and -1 otherwise and margins
 * {@code m_nk = max(0, 1 - t_nk * score_nk)}, top is the scalar {@code sum of m / N} (L1) or
 * {@code sum of m^2 / N} (L2). Gradient: {@code -t * [m > 0] * w / N} (L1) and {@code -t * 2m * w / N} (L2), with
 * {@code w} the loss weight.
 */
public final class HingeLossLayer extends LossLayer {
    public enum Norm { L1, L2 }

    public record Params(Norm norm) {
        public static Params from(LayerParameter layer) {
            HingeLossParameter.Norm n = layer.getHingeLossParam().getNorm();
            return new Params(n == HingeLossParameter.Norm.L2 ? Norm.L2 : Norm.L1);
        }
    }

    private final Params p;
    private int num;
    private int dim;

    public HingeLossLayer(LayerConfig config, Params params) {
        super(config, 1);
        this.p = params;
    }

    public Params settings() {
        return p;
    }

    @Override
    public List<Shape> reshape(List<Shape> bottomShapes) {
        Shape in = bottomShapes.get(0);
        num = in.dim(0);
        dim = in.count() / Math.max(1, num);
        if (bottomShapes.get(1).count() != num) {
            throw error("labels " + bottomShapes.get(1) + " must hold one value per sample of " + in);
        }
        return List.of(Shape.of());
    }

    /** The margins {@code max(0, 1 - t * score)}, row by row. */
    private float[] margins(Backend backend, List<Tensor> bottoms) {
        float[] scores = backend.download(bottoms.get(0)).hostData();
        float[] labels = backend.download(bottoms.get(1)).hostData();
        float[] m = new float[num * dim];
        for (int n = 0; n < num; n++) {
            int label = classIndex(labels, n, dim, null);
            for (int k = 0; k < dim; k++) {
                float t = k == label ? 1f : -1f;
                m[n * dim + k] = Math.max(0f, 1f - t * scores[n * dim + k]);
            }
        }
        return m;
    }

    @Override
    public void forward(Backend backend, Phase phase, List<Tensor> bottoms, List<Tensor> tops) {
        float[] m = margins(backend, bottoms);
        double loss = 0;
        for (float v : m) {
            loss += p.norm() == Norm.L1 ? v : (double) v * v;
        }
        writeScalar(backend, loss / num, tops.get(0));
    }

    @Override
    public void backward(Backend backend, List<Tensor> bottoms, List<Tensor> tops, List<Tensor> topDiffs,
                         List<Tensor> bottomDiffs) {
        if (!wants(bottomDiffs, 0)) {
            return;
        }
        float[] m = margins(backend, bottoms);
        float[] labels = backend.download(bottoms.get(1)).hostData();
        float factor = lossWeight(backend, topDiffs.get(0)) / num;
        float[] grad = new float[num * dim];
        for (int n = 0; n < num; n++) {
            for (int k = 0; k < dim; k++) {
                int i = n * dim + k;
                float t = k == (int) labels[n] ? 1f : -1f;
                float g = p.norm() == Norm.L1 ? (m[i] > 0f ? 1f : 0f) : 2f * m[i];
                grad[i] = -t * g * factor;
            }
        }
        backend.copy(backend.upload(Tensor.wrap(bottoms.get(0).shape(), grad)), bottomDiffs.get(0));
    }
}

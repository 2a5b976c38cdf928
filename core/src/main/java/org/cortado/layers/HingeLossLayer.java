package org.cortado.layers;

import java.util.List;
import org.cortado.backend.Backend;
import org.cortado.backend.InvalidLabelException;
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

    @Override
    public void forward(Backend backend, Phase phase, List<Tensor> bottoms, List<Tensor> tops) {
        double loss;
        try {
            loss = backend.hingeLossForward(bottoms.get(0), bottoms.get(1), num, dim, p.norm() == Norm.L2);
        } catch (InvalidLabelException e) {
            throw error(e.getMessage());
        }
        writeScalar(backend, loss / num, tops.get(0));
    }

    @Override
    public void backward(Backend backend, List<Tensor> bottoms, List<Tensor> tops, List<Tensor> topDiffs,
                         List<Tensor> bottomDiffs) {
        if (!wants(bottomDiffs, 0)) {
            return;
        }
        float scale = lossWeight(backend, topDiffs.get(0)) / num;
        backend.hingeLossBackward(bottoms.get(0), bottoms.get(1), bottomDiffs.get(0), num, dim, p.norm() == Norm.L2,
                scale);
    }
}

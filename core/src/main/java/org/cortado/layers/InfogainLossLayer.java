package org.cortado.layers;

import java.nio.file.Path;
import java.util.List;
import org.cortado.backend.Backend;
import org.cortado.backend.InvalidLabelException;
import org.cortado.backend.LabelledSum;
import org.cortado.caffe.BlobProtoFile;
import org.cortado.caffe.proto.Caffe.InfogainLossParameter;
import org.cortado.caffe.proto.Caffe.LayerParameter;
import org.cortado.caffe.proto.Caffe.LossParameter;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * InfogainLoss, as BVLC Caffe's current layer (which applies a softmax to its input): bottoms scores
 * {@code (N, L, ...)} with the L classes at {@code axis} (default 1), labels with one value per position of the other
 * axes, and the {@code L x L} matrix H as a third bottom or read from {@code infogain_loss_param.source} (a
 * {@code .binaryproto} BlobProto of L*L values). With {@code p = softmax(x)}, top 0 is the scalar
 * {@code -sum over labelled positions of sum over l of H[label, l] log(max(p_l, 1e-20)) / normaliser}; optional top 1
 * the probabilities. {@code dinp = (p sum_l(H[label, l]) - H[label, :]) w / normaliser}, 0 at positions whose label
 * is {@code ignore_label} (compared after a cast to int, as Caffe). Normalisation: {@code normalization} (default
 * VALID); the legacy {@code normalize} is refused, as by Caffe. H from a file is read once, at set-up.
 */
public final class InfogainLossLayer extends LossLayer {
    /** {@code source} null when H is the third bottom. */
    public record Params(String source, int axis, Integer ignoreLabel, Normalization normalization) {
        public static Params from(LayerParameter layer) {
            LossParameter lp = layer.getLossParam();
            InfogainLossParameter ip = layer.getInfogainLossParam();
            if (lp.hasNormalize()) {
                throw new NetDefinitionException("layer '" + layer.getName() + "' (InfogainLoss): loss_param.normalize "
                        + "is deprecated and refused by Caffe for this layer; use normalization");
            }
            return new Params(ip.hasSource() ? ip.getSource() : null, ip.getAxis(),
                    lp.hasIgnoreLabel() ? lp.getIgnoreLabel() : null, LossLayer.normalization(lp, Normalization.VALID));
        }
    }

    private final Params p;
    private Tensor fileMatrix;
    private AxisSplit split;
    private double normaliser;

    public InfogainLossLayer(LayerConfig config, Params params) {
        super(config, 2, 3, 2);
        this.p = params;
    }

    public Params settings() {
        return p;
    }

    private boolean matrixIsBottom() {
        return config.bottoms().size() == 3;
    }

    @Override
    public void setUp(Backend backend, List<Shape> bottomShapes) {
        if (matrixIsBottom()) {
            return;
        }
        if (p.source() == null) {
            throw error("the infogain matrix H needs infogain_loss_param.source or a third bottom");
        }
        float[] h = BlobProtoFile.values(BlobProtoFile.parse(Path.of(p.source()), "infogain matrix"));
        fileMatrix = backend.upload(Tensor.wrap(Shape.of(h.length), h));
    }

    @Override
    public List<Shape> reshape(List<Shape> bottomShapes) {
        Shape x = bottomShapes.get(0);
        split = splitAt(x, p.axis());
        requireOneLabelPerPosition(bottomShapes.get(1), x, split);
        long classes = split.channels();
        int hCount = matrixIsBottom() ? bottomShapes.get(2).count() : fileMatrix.count();
        if (hCount != classes * classes) {
            throw error("the infogain matrix " + (matrixIsBottom() ? "(bottom 2) " : "from " + p.source() + " ")
                    + "holds " + hCount + " values; " + classes + " classes need " + classes * classes);
        }
        return config.tops().size() == 2 ? List.of(Shape.of(), x) : List.of(Shape.of());
    }

    private Tensor matrix(List<Tensor> bottoms) {
        return matrixIsBottom() ? bottoms.get(2) : fileMatrix;
    }

    @Override
    public void forward(Backend backend, Phase phase, List<Tensor> bottoms, List<Tensor> tops) {
        Tensor prob = tops.size() == 2 ? tops.get(1) : scratch(backend, "prob", bottoms.get(0).shape());
        backend.softmaxForward(bottoms.get(0), prob, split.outer(), split.channels(), split.inner());
        LabelledSum loss;
        try {
            loss = backend.layerOps().infogainLossForward(prob, bottoms.get(1), matrix(bottoms), split.outer(),
                    split.channels(), split.inner(), p.ignoreLabel());
        } catch (InvalidLabelException e) {
            throw error(e.getMessage());
        }
        normaliser = normaliser(p.normalization(), split.outer(), split.inner(), loss.labelled());
        writeScalar(backend, loss.sum() / normaliser, tops.get(0));
    }

    @Override
    public void backward(Backend backend, List<Tensor> bottoms, List<Tensor> tops, List<Tensor> topDiffs,
                         List<Tensor> bottomDiffs) {
        if (!wants(bottomDiffs, 0)) {
            return;
        }
        Tensor prob = tops.size() == 2 ? tops.get(1) : existingScratch("prob");
        float scale = (float) (lossWeight(backend, topDiffs.get(0)) / normaliser);
        backend.layerOps().infogainLossBackward(prob, bottoms.get(1), matrix(bottoms), bottomDiffs.get(0),
                split.outer(), split.channels(), split.inner(), p.ignoreLabel(), scale);
    }
}

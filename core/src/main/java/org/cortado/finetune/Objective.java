package org.cortado.finetune;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.cortado.caffe.proto.Caffe.LayerParameter;
import org.cortado.caffe.proto.Caffe.LossParameter;
import org.cortado.data.DataSource;
import org.cortado.data.Hdf5Data;
import org.cortado.layers.NetDefinitionException;
import org.cortado.layers.Phase;
import org.cortado.net.NetDefinition;
import org.cortado.net.proto.NetProtos;

/**
 * What the new layer is trained for, as the train_val's own loss layer says (Caffe trains what the net names):
 * a softmax classifier (SoftmaxWithLoss, and the default without a train_val or without a loss layer in it),
 * multi-label probabilities (SigmoidCrossEntropyLoss, K targets in [0, 1]) or regression (EuclideanLoss, K real
 * targets). The last two read a target vector per row from HDF5Data layers.
 */
public enum Objective {
    SOFTMAX("SoftmaxWithLoss", "softmax", null),
    SIGMOID_CROSS_ENTROPY("SigmoidCrossEntropyLoss", "sigmoid_cross_entropy", Hdf5Data.Targets.PROBABILITIES),
    EUCLIDEAN("EuclideanLoss", "euclidean", Hdf5Data.Targets.REAL);

    private final String lossType;
    private final String id;
    private final Hdf5Data.Targets targets;

    Objective(String lossType, String id, Hdf5Data.Targets targets) {
        this.lossType = lossType;
        this.id = id;
        this.targets = targets;
    }

    /** The Caffe loss layer type. */
    public String lossType() {
        return lossType;
    }

    /** The name in reports: softmax, sigmoid_cross_entropy, euclidean. */
    public String id() {
        return id;
    }

    /** How the targets are read and checked; null for class labels. */
    public Hdf5Data.Targets targets() {
        return targets;
    }

    /** Whether the labels are target vectors rather than class indices. */
    public boolean hasTargets() {
        return targets != null;
    }

    /**
     * The objective and its loss layer's {@code loss_param} (default when none).
     *
     * @param lossLayer the train_val's loss layer, or null when it has none (or there is no train_val)
     */
    record Chosen(Objective objective, String lossLayer, LossParameter lossParam) {
        static final Chosen DEFAULT = new Chosen(SOFTMAX, null, LossParameter.getDefaultInstance());

        /**
         * {@code source} with its labels read as the objective's target vectors (HDF5Data rows only); as it is under
         * a softmax.
         *
         * @throws IllegalArgumentException naming {@code trainVal}'s loss layer when the source has class labels only
         */
        DataSource source(DataSource source, Path trainVal) {
            if (!objective.hasTargets()) {
                return source;
            }
            if (source instanceof DataSource.Hdf5 h) {
                return h.withTargets(objective.targets());
            }
            throw new IllegalArgumentException(trainVal + ": loss layer '" + lossLayer + "' is " + objective.lossType()
                    + ", which trains on a target vector per row from HDF5Data layers; " + source.spec()
                    + " gives class labels");
        }
    }

    /**
     * The objective of {@code trainVal}'s TRAIN phase: its one loss layer's (SigmoidCrossEntropyLoss or EuclideanLoss);
     * softmax when its losses are all SoftmaxWithLoss, when it has none or when {@code trainVal} is null.
     *
     * @throws NetDefinitionException naming the layers when the loss is another, or several losses are named
     */
    static Chosen of(Path trainVal) {
        if (trainVal == null) {
            return Chosen.DEFAULT;
        }
        List<LayerParameter> losses = new ArrayList<>();
        for (LayerParameter l : NetProtos.proto(NetDefinition.read(trainVal).normalized(Phase.TRAIN)).getLayerList()) {
            if (l.getType().endsWith("Loss")) {
                losses.add(l);
            }
        }
        // Softmax losses alone (GoogLeNet's train_val has three) keep today's classifier, whose loss is its own.
        if (losses.stream().allMatch(l -> l.getType().equals(SOFTMAX.lossType))) {
            return Chosen.DEFAULT;
        }
        if (losses.size() > 1) {
            throw new NetDefinitionException(trainVal + ": the TRAIN phase has " + losses.size() + " loss layers ("
                    + String.join(", ", losses.stream().map(l -> "'" + l.getName() + "' " + l.getType()).toList())
                    + "); fine-tuning trains one new layer under one loss");
        }
        LayerParameter loss = losses.get(0);
        for (Objective o : values()) {
            if (o.lossType.equals(loss.getType())) {
                return new Chosen(o, loss.getName(), loss.getLossParam());
            }
        }
        throw new NetDefinitionException(trainVal + ": loss layer '" + loss.getName() + "' is " + loss.getType()
                + "; fine-tuning trains under SoftmaxWithLoss, SigmoidCrossEntropyLoss or EuclideanLoss");
    }
}

package org.cortado.finetune;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.cortado.backend.Backend;
import org.cortado.backend.CounterRng;
import org.cortado.caffe.proto.Caffe.AccuracyParameter;
import org.cortado.caffe.proto.Caffe.BlobShape;
import org.cortado.caffe.proto.Caffe.FillerParameter;
import org.cortado.caffe.proto.Caffe.InputParameter;
import org.cortado.caffe.proto.Caffe.LayerParameter;
import org.cortado.caffe.proto.Caffe.NetParameter;
import org.cortado.caffe.proto.Caffe.ParamSpec;
import org.cortado.caffe.proto.Caffe.ScaleParameter;
import org.cortado.layers.BatchNormLayer;
import org.cortado.layers.ConvolutionLayer;
import org.cortado.layers.InnerProductLayer;
import org.cortado.layers.Layer;
import org.cortado.layers.NetDefinitionException;
import org.cortado.layers.Param;
import org.cortado.net.Filler;
import org.cortado.net.FillerSpec;
import org.cortado.layers.Phase;
import org.cortado.net.Net;
import org.cortado.net.NetDefinition;
import org.cortado.net.proto.NetProtos;

/**
 * Net surgery for fine-tuning, as done with Caffe by hand: replace the classifier by a fresh N-way layer under a
 * new name (so that copying weights by name skips it), turn a deploy net into a training net, and set the learning
 * multipliers that freeze layers. Freezing is data: a parameter with {@code lr_mult == 0} is neither updated nor
 * decayed, and the net prunes backward below the last layer that learns.
 */
public final class NetSurgery {
    /** Caffe's fine-tuning examples start a new classifier from N(0, 0.01^2) weights and zero biases. */
    public static final FillerSpec DEFAULT_WEIGHT_FILLER = FillerSpec.gaussian(0.01f);
    public static final FillerSpec DEFAULT_BIAS_FILLER = FillerSpec.constant(0f);

    private NetSurgery() {
    }

    /**
     * {@code def} with layer {@code layer} (a Convolution or InnerProduct) replaced in place by one with
     * {@code numOutputs} outputs named {@code newName}, writing the same top blobs, with the given fillers and no
     * parameter specs of its own. Not modified: def.
     */
    public static NetDefinition replaceLayer(NetDefinition definition, String layer, int numOutputs, String newName,
                                             FillerSpec weightFiller, FillerSpec biasFiller) {
        return NetProtos.of(replaceLayer(NetProtos.proto(definition), layer, numOutputs, newName,
                NetProtos.filler(weightFiller), NetProtos.filler(biasFiller)));
    }

    private static NetParameter replaceLayer(NetParameter def, String layer, int numOutputs, String newName,
                                             FillerParameter weightFiller, FillerParameter biasFiller) {
        if (numOutputs < 1) {
            throw new NetDefinitionException("the replacement of layer '" + layer + "' needs at least one output, got "
                    + numOutputs);
        }
        NetParameter.Builder out = def.toBuilder();
        int index = indexOf(def, layer);
        for (LayerParameter l : def.getLayerList()) {
            if (l.getName().equals(newName)) {
                throw new NetDefinitionException("net '" + def.getName() + "' already has a layer named '" + newName
                        + "'; pick another name for the replacement of '" + layer + "'");
            }
        }
        LayerParameter old = def.getLayer(index);
        LayerParameter.Builder b = old.toBuilder().setName(newName).clearParam().clearBlobs();
        switch (old.getType()) {
            case "Convolution" -> b.setConvolutionParam(old.getConvolutionParam().toBuilder().setNumOutput(numOutputs)
                    .setWeightFiller(weightFiller).setBiasFiller(biasFiller));
            case "InnerProduct" -> b.setInnerProductParam(old.getInnerProductParam().toBuilder()
                    .setNumOutput(numOutputs).setWeightFiller(weightFiller).setBiasFiller(biasFiller));
            default -> throw new NetDefinitionException("layer '" + layer + "' (" + old.getType()
                    + ") cannot be replaced: only Convolution and InnerProduct layers are classifiers");
        }
        out.setLayer(index, b);
        return out.build();
    }

    /** The name of the layer {@link #insertStandardization} puts before {@code classifier}. */
    public static String standardizationOf(String classifier) {
        return classifier + "/standardize";
    }

    /**
     * {@code def} with a Scale layer (with bias, fixed: lr_mult and decay_mult 0) inserted before the classifier,
     * starting as the identity: a linear probe sets it to the standardisation of the codes, so that the classifier's
     * weights live in standardised units and Caffe's weight decay on them is the probe's own L2 penalty. Per channel
     * before a convolution, per input element before an InnerProduct. Not modified: def.
     */
    public static NetDefinition insertStandardization(NetDefinition definition, String classifier) {
        return NetProtos.of(insertStandardization(NetProtos.proto(definition), classifier));
    }

    private static NetParameter insertStandardization(NetParameter def, String classifier) {
        int index = indexOf(def, classifier);
        LayerParameter cls = def.getLayer(index);
        String name = standardizationOf(classifier);
        String top = classifier + "/standardized";
        boolean conv = cls.getType().equals("Convolution");
        ParamSpec fixed = ParamSpec.newBuilder().setLrMult(0f).setDecayMult(0f).build();
        LayerParameter scale = LayerParameter.newBuilder().setName(name).setType("Scale").addBottom(cls.getBottom(0))
                .addTop(top).addParam(fixed).addParam(fixed)
                .setScaleParam(ScaleParameter.newBuilder().setAxis(1).setNumAxes(conv ? 1 : -1).setBiasTerm(true))
                .build();
        NetParameter.Builder out = def.toBuilder();
        out.setLayer(index, cls.toBuilder().setBottom(0, top));
        out.addLayer(index, scale);
        return out.build();
    }

    /** The name of the layer {@link #insertOutputShift} puts on the net's outputs. */
    public static String outputShiftOf(String classifier) {
        return classifier + "/unshift";
    }

    /** Whether an in-place ReLU (negative slope 0) follows layer {@code classifier} in {@code definition}. */
    public static boolean reluFollows(NetDefinition definition, String classifier) {
        NetParameter def = NetProtos.proto(definition);
        String top = def.getLayer(indexOf(def, classifier)).getTop(0);
        for (LayerParameter l : def.getLayerList()) {
            if (l.getType().equals("ReLU") && l.getBottomCount() == 1 && l.getBottom(0).equals(top)
                    && l.getTop(0).equals(top) && l.getReluParam().getNegativeSlope() == 0f) {
                return true;
            }
        }
        return false;
    }

    /**
     * {@code def} with a fixed Bias layer (lr_mult and decay_mult 0, starting at 0) in place on the net's outputs
     * (the final Softmax's bottom, or the last layer's top), just before that Softmax or at the end. A target probe
     * lifts the classifier's outputs above the ReLU that follows it and takes the lift off here, so that the net's
     * outputs are the probe's exactly. Not modified: def.
     */
    public static NetDefinition insertOutputShift(NetDefinition definition, String classifier) {
        NetParameter def = NetProtos.proto(definition);
        int last = def.getLayerCount() - 1;
        LayerParameter end = def.getLayer(last);
        boolean softmax = end.getType().equals("Softmax");
        String scores = softmax ? end.getBottom(0) : end.getTop(0);
        ParamSpec fixed = ParamSpec.newBuilder().setLrMult(0f).setDecayMult(0f).build();
        LayerParameter shift = LayerParameter.newBuilder().setName(outputShiftOf(classifier)).setType("Bias")
                .addBottom(scores).addTop(scores).addParam(fixed)
                .setBiasParam(org.cortado.caffe.proto.Caffe.BiasParameter.newBuilder().setAxis(1).setNumAxes(1))
                .build();
        NetParameter.Builder out = def.toBuilder();
        if (softmax) {
            out.addLayer(last, shift);
        } else {
            out.addLayer(shift);
        }
        return NetProtos.of(out.build());
    }

    /** The names of a training definition made by {@link #forTraining}. */
    public record TrainingNet(NetDefinition definition, String scores, String label, String loss, String accuracy) {
    }

    /**
     * A training definition from a deploy one: a final Softmax (the deploy net's probabilities) is dropped, and a
     * label input of shape {@code (batch)}, a SoftmaxWithLoss and an Accuracy on the scores are added. The scores
     * are the final Softmax's bottom, or the last layer's top. Not modified: deploy.
     */
    public static TrainingNet forTraining(NetDefinition deploy, int batch) {
        return forTraining(deploy, batch, Objective.Chosen.DEFAULT, 0);
    }

    /**
     * As {@link #forTraining(NetDefinition, int)} for {@code objective}: under SigmoidCrossEntropyLoss or
     * EuclideanLoss the label input is {@code (batch, width)} targets, the loss layer is of that type with the
     * train_val's {@code loss_param}, and there is no Accuracy layer ({@link TrainingNet#accuracy} null).
     */
    static TrainingNet forTraining(NetDefinition deploy, int batch, Objective.Chosen objective, int width) {
        // Legacy input fields become an Input layer, and every input takes the batch size.
        NetParameter normal = NetProtos.proto(deploy.normalized(Phase.TRAIN));
        List<LayerParameter> layers = new ArrayList<>();
        for (LayerParameter l : normal.getLayerList()) {
            if (l.getType().equals("Input")) {
                InputParameter.Builder shapes = l.getInputParam().toBuilder();
                for (BlobShape.Builder shape : shapes.getShapeBuilderList()) {
                    if (shape.getDimCount() > 0) {
                        shape.setDim(0, batch);
                    }
                }
                l = l.toBuilder().setInputParam(shapes).build();
            }
            layers.add(l);
        }
        if (layers.isEmpty()) {
            throw new NetDefinitionException("net '" + deploy.name() + "' has no layers");
        }
        LayerParameter last = layers.get(layers.size() - 1);
        String scores;
        if (last.getType().equals("Softmax")) {
            scores = last.getBottom(0);
            layers.remove(layers.size() - 1);
        } else {
            scores = last.getTop(0);
        }
        Set<String> blobs = new HashSet<>();
        for (LayerParameter l : layers) {
            blobs.addAll(l.getTopList());
        }
        String label = unused("label", blobs);
        String loss = unused("loss", blobs);
        boolean targets = objective.objective().hasTargets();
        String accuracy = targets ? null : unused("accuracy", blobs);
        BlobShape.Builder labelShape = BlobShape.newBuilder().addDim(batch);
        if (targets) {
            labelShape.addDim(width);
        }
        LayerParameter labelInput = LayerParameter.newBuilder().setName(label).setType("Input").addTop(label)
                .setInputParam(InputParameter.newBuilder().addShape(labelShape)).build();
        layers.add(0, labelInput);
        LayerParameter.Builder lossLayer = LayerParameter.newBuilder().setName(loss)
                .setType(objective.objective().lossType()).addBottom(scores).addBottom(label).addTop(loss);
        if (targets) {
            lossLayer.setLossParam(objective.lossParam());
        }
        layers.add(lossLayer.build());
        if (!targets) {
            layers.add(LayerParameter.newBuilder().setName(accuracy).setType("Accuracy").addBottom(scores)
                    .addBottom(label).addTop(accuracy).setAccuracyParam(AccuracyParameter.getDefaultInstance())
                    .build());
        }
        NetParameter def = normal.toBuilder().clearLayer().addAllLayer(layers).build();
        return new TrainingNet(NetProtos.of(def), scores, label, loss, accuracy);
    }

    private static String unused(String name, Set<String> taken) {
        String n = name;
        for (int k = 2; taken.contains(n); k++) {
            n = name + "_" + k;
        }
        return n;
    }

    /** Fills layer {@code name}'s parameters from its prototxt fillers, drawing from stream {@code seed}. */
    public static void initialize(Net net, String name, long seed) {
        Layer layer = net.layer(name);
        FillerSpec weight;
        FillerSpec bias;
        if (layer instanceof ConvolutionLayer c) {
            weight = NetProtos.filler(c.settings().weightFiller());
            bias = NetProtos.filler(c.settings().biasFiller());
        } else if (layer instanceof InnerProductLayer ip) {
            weight = NetProtos.filler(ip.settings().weightFiller());
            bias = NetProtos.filler(ip.settings().biasFiller());
        } else {
            throw new NetDefinitionException(layer + ": only Convolution and InnerProduct layers can be initialised");
        }
        Backend backend = net.backend();
        List<Param> params = layer.params();
        String who = layer.toString();
        backend.copy(backend.upload(Filler.fill(weight, params.get(0).shape(), CounterRng.derive(seed, 0), who)),
                params.get(0).data());
        if (params.size() > 1) {
            backend.copy(backend.upload(Filler.fill(bias, params.get(1).shape(), CounterRng.derive(seed, 1), who)),
                    params.get(1).data());
        }
    }

    /**
     * Copies {@code lr_mult} and {@code decay_mult} of each parameter from the same-named layer of {@code trainVal}
     * (a Caffe train_val prototxt), as Caffe would train them; layers it lacks keep theirs. Modified: net's params.
     *
     * @return the names of the net's layers with parameters that {@code trainVal} does not have
     */
    public static List<String> applyMultipliers(Net net, NetDefinition trainVal) {
        List<String> missing = new ArrayList<>();
        for (Layer layer : net.layers()) {
            if (layer.params().isEmpty() || layer instanceof BatchNormLayer) {
                continue;
            }
            LayerParameter spec = NetProtos.proto(trainVal).getLayerList().stream().filter(l -> l.getName().equals(layer.name()))
                    .findFirst().orElse(null);
            if (spec == null) {
                missing.add(layer.name());
                continue;
            }
            for (int i = 0; i < layer.params().size(); i++) {
                ParamSpec ps = i < spec.getParamCount() ? spec.getParam(i) : ParamSpec.getDefaultInstance();
                layer.params().get(i).setLrMult(ps.getLrMult());
                layer.params().get(i).setDecayMult(ps.getDecayMult());
            }
        }
        return missing;
    }

    /**
     * Gives the new classifier {@code layer} its learning multipliers as Caffe's fine-tuning examples do: weights
     * {@code lr_mult = lrMult}, decay 1; bias twice the rate and no decay. Modified: the layer's params.
     */
    public static void setClassifierMultipliers(Net net, String layer, float lrMult) {
        List<Param> params = net.layer(layer).params();
        params.get(0).setLrMult(lrMult);
        params.get(0).setDecayMult(1f);
        if (params.size() > 1) {
            params.get(1).setLrMult(2 * lrMult);
            params.get(1).setDecayMult(0f);
        }
    }

    /**
     * Freezes every layer up to and including {@code through} (in net order): their parameters get
     * {@code lr_mult = decay_mult = 0} and their BatchNorm layers keep the stored statistics. Modified: the net.
     *
     * @return the number of parameters frozen
     */
    public static int freezeThrough(Net net, String through) {
        int last = net.indexOf(through);
        int frozen = 0;
        for (int i = 0; i <= last; i++) {
            Layer layer = net.layers().get(i);
            if (layer instanceof BatchNormLayer bn) {
                bn.setFrozen(true);
            }
            for (Param p : layer.params()) {
                p.setLrMult(0f);
                p.setDecayMult(0f);
                frozen++;
            }
        }
        return frozen;
    }

    private static int indexOf(NetParameter def, String layer) {
        for (int i = 0; i < def.getLayerCount(); i++) {
            if (def.getLayer(i).getName().equals(layer)) {
                return i;
            }
        }
        throw new NetDefinitionException("net '" + def.getName() + "' has no layer '" + layer + "' to replace");
    }
}

package org.cortado.caffe;

import java.util.Map;
import org.cortado.caffe.proto.Caffe.LayerParameter;
import org.cortado.caffe.proto.Caffe.NetParameter;
import org.cortado.caffe.proto.Caffe.ParamSpec;
import org.cortado.caffe.proto.Caffe.TransformationParameter;
import org.cortado.caffe.proto.Caffe.V1LayerParameter;
import org.cortado.caffe.proto.Caffe.V1LayerParameter.LayerType;

/**
 * The one place where the legacy V1 net format (NetParameter's {@code layers} field: enum types, per-blob
 * {@code blobs_lr}/{@code weight_decay}, transformation fields inside data parameters) becomes the current V2
 * format, following Caffe's upgrade_proto.cpp.
 */
public final class V1Upgrade {
    private static final Map<LayerType, String> TYPE_NAMES = Map.ofEntries(
            Map.entry(LayerType.ABSVAL, "AbsVal"),
            Map.entry(LayerType.ACCURACY, "Accuracy"),
            Map.entry(LayerType.ARGMAX, "ArgMax"),
            Map.entry(LayerType.BNLL, "BNLL"),
            Map.entry(LayerType.CONCAT, "Concat"),
            Map.entry(LayerType.CONTRASTIVE_LOSS, "ContrastiveLoss"),
            Map.entry(LayerType.CONVOLUTION, "Convolution"),
            Map.entry(LayerType.DECONVOLUTION, "Deconvolution"),
            Map.entry(LayerType.DATA, "Data"),
            Map.entry(LayerType.DROPOUT, "Dropout"),
            Map.entry(LayerType.DUMMY_DATA, "DummyData"),
            Map.entry(LayerType.EUCLIDEAN_LOSS, "EuclideanLoss"),
            Map.entry(LayerType.ELTWISE, "Eltwise"),
            Map.entry(LayerType.EXP, "Exp"),
            Map.entry(LayerType.FLATTEN, "Flatten"),
            Map.entry(LayerType.HDF5_DATA, "HDF5Data"),
            Map.entry(LayerType.HDF5_OUTPUT, "HDF5Output"),
            Map.entry(LayerType.HINGE_LOSS, "HingeLoss"),
            Map.entry(LayerType.IM2COL, "Im2col"),
            Map.entry(LayerType.IMAGE_DATA, "ImageData"),
            Map.entry(LayerType.INFOGAIN_LOSS, "InfogainLoss"),
            Map.entry(LayerType.INNER_PRODUCT, "InnerProduct"),
            Map.entry(LayerType.LRN, "LRN"),
            Map.entry(LayerType.MEMORY_DATA, "MemoryData"),
            Map.entry(LayerType.MULTINOMIAL_LOGISTIC_LOSS, "MultinomialLogisticLoss"),
            Map.entry(LayerType.MVN, "MVN"),
            Map.entry(LayerType.POOLING, "Pooling"),
            Map.entry(LayerType.POWER, "Power"),
            Map.entry(LayerType.RELU, "ReLU"),
            Map.entry(LayerType.SIGMOID, "Sigmoid"),
            Map.entry(LayerType.SIGMOID_CROSS_ENTROPY_LOSS, "SigmoidCrossEntropyLoss"),
            Map.entry(LayerType.SILENCE, "Silence"),
            Map.entry(LayerType.SOFTMAX, "Softmax"),
            Map.entry(LayerType.SOFTMAX_LOSS, "SoftmaxWithLoss"),
            Map.entry(LayerType.SPLIT, "Split"),
            Map.entry(LayerType.SLICE, "Slice"),
            Map.entry(LayerType.TANH, "TanH"),
            Map.entry(LayerType.WINDOW_DATA, "WindowData"),
            Map.entry(LayerType.THRESHOLD, "Threshold"));

    private V1Upgrade() {
    }

    /** Whether {@code net} uses the legacy {@code layers} field. */
    public static boolean needsUpgrade(NetParameter net) {
        return net.getLayersCount() > 0;
    }

    /** The V2 type string of a V1 enum type; {@code source} names the file for the error. */
    public static String typeName(LayerType type, String layerName, String source) {
        String name = type == null ? null : TYPE_NAMES.get(type);
        if (name == null) {
            throw new CaffeFormatException(source + ": V1 layer '" + layerName + "' has unknown or missing type "
                    + type);
        }
        return name;
    }

    /** The V2 type string of a V1 enum number, as read from a caffemodel's wire format. */
    public static String typeName(int enumNumber, String layerName, String source) {
        return typeName(LayerType.forNumber(enumNumber), layerName, source);
    }

    /** {@code net} with every V1 layer turned into a V2 layer (in place, in order). */
    public static NetParameter upgrade(NetParameter net, String source) {
        if (net.getLayerCount() > 0) {
            throw new CaffeFormatException(source + ": net mixes V1 'layers' and V2 'layer' fields");
        }
        NetParameter.Builder out = net.toBuilder().clearLayers();
        for (V1LayerParameter v1 : net.getLayersList()) {
            out.addLayer(upgradeLayer(v1, source));
        }
        return out.build();
    }

    static LayerParameter upgradeLayer(V1LayerParameter v1, String source) {
        LayerParameter.Builder l = LayerParameter.newBuilder()
                .setName(v1.getName())
                .setType(typeName(v1.getType(), v1.getName(), source))
                .addAllBottom(v1.getBottomList())
                .addAllTop(v1.getTopList())
                .addAllInclude(v1.getIncludeList())
                .addAllExclude(v1.getExcludeList())
                .addAllBlobs(v1.getBlobsList())
                .addAllLossWeight(v1.getLossWeightList());
        int specs = Math.max(Math.max(v1.getParamCount(), v1.getBlobShareModeCount()),
                Math.max(v1.getBlobsLrCount(), v1.getWeightDecayCount()));
        for (int i = 0; i < specs; i++) {
            ParamSpec.Builder p = ParamSpec.newBuilder();
            if (i < v1.getParamCount()) {
                p.setName(v1.getParam(i));
            }
            if (i < v1.getBlobShareModeCount()) {
                p.setShareMode(ParamSpec.DimCheckMode.forNumber(v1.getBlobShareMode(i).getNumber()));
            }
            if (i < v1.getBlobsLrCount()) {
                p.setLrMult(v1.getBlobsLr(i));
            }
            if (i < v1.getWeightDecayCount()) {
                p.setDecayMult(v1.getWeightDecay(i));
            }
            l.addParam(p);
        }
        if (v1.hasAccuracyParam()) l.setAccuracyParam(v1.getAccuracyParam());
        if (v1.hasArgmaxParam()) l.setArgmaxParam(v1.getArgmaxParam());
        if (v1.hasConcatParam()) l.setConcatParam(v1.getConcatParam());
        if (v1.hasContrastiveLossParam()) l.setContrastiveLossParam(v1.getContrastiveLossParam());
        if (v1.hasConvolutionParam()) l.setConvolutionParam(v1.getConvolutionParam());
        if (v1.hasDropoutParam()) l.setDropoutParam(v1.getDropoutParam());
        if (v1.hasDummyDataParam()) l.setDummyDataParam(v1.getDummyDataParam());
        if (v1.hasEltwiseParam()) l.setEltwiseParam(v1.getEltwiseParam());
        if (v1.hasExpParam()) l.setExpParam(v1.getExpParam());
        if (v1.hasHdf5DataParam()) l.setHdf5DataParam(v1.getHdf5DataParam());
        if (v1.hasHdf5OutputParam()) l.setHdf5OutputParam(v1.getHdf5OutputParam());
        if (v1.hasHingeLossParam()) l.setHingeLossParam(v1.getHingeLossParam());
        if (v1.hasInfogainLossParam()) l.setInfogainLossParam(v1.getInfogainLossParam());
        if (v1.hasInnerProductParam()) l.setInnerProductParam(v1.getInnerProductParam());
        if (v1.hasLrnParam()) l.setLrnParam(v1.getLrnParam());
        if (v1.hasMemoryDataParam()) l.setMemoryDataParam(v1.getMemoryDataParam());
        if (v1.hasMvnParam()) l.setMvnParam(v1.getMvnParam());
        if (v1.hasPoolingParam()) l.setPoolingParam(v1.getPoolingParam());
        if (v1.hasPowerParam()) l.setPowerParam(v1.getPowerParam());
        if (v1.hasReluParam()) l.setReluParam(v1.getReluParam());
        if (v1.hasSigmoidParam()) l.setSigmoidParam(v1.getSigmoidParam());
        if (v1.hasSoftmaxParam()) l.setSoftmaxParam(v1.getSoftmaxParam());
        if (v1.hasSliceParam()) l.setSliceParam(v1.getSliceParam());
        if (v1.hasTanhParam()) l.setTanhParam(v1.getTanhParam());
        if (v1.hasThresholdParam()) l.setThresholdParam(v1.getThresholdParam());
        if (v1.hasWindowDataParam()) l.setWindowDataParam(v1.getWindowDataParam());
        if (v1.hasLossParam()) l.setLossParam(v1.getLossParam());
        upgradeDataTransformation(v1, l);
        if (v1.hasImageDataParam()) {
            l.setImageDataParam(v1.getImageDataParam().toBuilder()
                    .clearScale().clearMeanFile().clearCropSize().clearMirror());
        }
        return l.build();
    }

    /**
     * V1 data layers carried scale, mean file, crop size and mirror in their own parameters; V2 keeps them in
     * transform_param (Caffe's UpgradeNetDataTransformation).
     */
    private static void upgradeDataTransformation(V1LayerParameter v1, LayerParameter.Builder l) {
        TransformationParameter.Builder t = v1.hasTransformParam()
                ? v1.getTransformParam().toBuilder() : TransformationParameter.newBuilder();
        boolean moved = false;
        if (v1.hasDataParam()) {
            var d = v1.getDataParam();
            if (d.hasScale()) { t.setScale(d.getScale()); moved = true; }
            if (d.hasMeanFile()) { t.setMeanFile(d.getMeanFile()); moved = true; }
            if (d.hasCropSize()) { t.setCropSize(d.getCropSize()); moved = true; }
            if (d.hasMirror()) { t.setMirror(d.getMirror()); moved = true; }
            l.setDataParam(d.toBuilder().clearScale().clearMeanFile().clearCropSize().clearMirror());
        }
        if (v1.hasImageDataParam()) {
            var d = v1.getImageDataParam();
            if (d.hasScale()) { t.setScale(d.getScale()); moved = true; }
            if (d.hasMeanFile()) { t.setMeanFile(d.getMeanFile()); moved = true; }
            if (d.hasCropSize()) { t.setCropSize(d.getCropSize()); moved = true; }
            if (d.hasMirror()) { t.setMirror(d.getMirror()); moved = true; }
        }
        if (moved || v1.hasTransformParam()) {
            l.setTransformParam(t);
        }
    }
}

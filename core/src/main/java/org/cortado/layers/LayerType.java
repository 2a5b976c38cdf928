package org.cortado.layers;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The layer types cortado runs, by Caffe's type string. {@link LayerFactory} switches over this enum without a
 * default branch, so a constant added here and not wired there fails to compile.
 */
public enum LayerType {
    INPUT("Input"),
    CONVOLUTION("Convolution"),
    INNER_PRODUCT("InnerProduct"),
    RELU("ReLU"),
    POOLING("Pooling"),
    LRN("LRN"),
    DROPOUT("Dropout"),
    SOFTMAX("Softmax"),
    CONCAT("Concat"),
    ELTWISE("Eltwise"),
    BATCH_NORM("BatchNorm"),
    SCALE("Scale"),
    FLATTEN("Flatten"),
    RESHAPE("Reshape"),
    SPLIT("Split"),
    SIGMOID("Sigmoid"),
    TANH("TanH"),
    SOFTMAX_WITH_LOSS("SoftmaxWithLoss"),
    HINGE_LOSS("HingeLoss"),
    ACCURACY("Accuracy"),
    PRELU("PReLU"),
    ELU("ELU"),
    POWER("Power"),
    EXP("Exp"),
    LOG("Log"),
    ABSVAL("AbsVal"),
    BNLL("BNLL"),
    THRESHOLD("Threshold"),
    SLICE("Slice"),
    TILE("Tile"),
    BIAS("Bias"),
    CROP("Crop"),
    SILENCE("Silence"),
    DECONVOLUTION("Deconvolution"),
    REDUCTION("Reduction"),
    MVN("MVN"),
    ARGMAX("ArgMax"),
    EMBED("Embed"),
    EUCLIDEAN_LOSS("EuclideanLoss"),
    SIGMOID_CROSS_ENTROPY_LOSS("SigmoidCrossEntropyLoss"),
    MULTINOMIAL_LOGISTIC_LOSS("MultinomialLogisticLoss"),
    INFOGAIN_LOSS("InfogainLoss"),
    CONTRASTIVE_LOSS("ContrastiveLoss");

    private final String caffeName;

    LayerType(String caffeName) {
        this.caffeName = caffeName;
    }

    /** Caffe's type string, e.g. "InnerProduct". */
    public String caffeName() {
        return caffeName;
    }

    /** The type with Caffe type string {@code name}, or an error naming the layer and listing the supported ones. */
    public static LayerType of(String name, String layerName) {
        for (LayerType t : values()) {
            if (t.caffeName.equals(name)) {
                return t;
            }
        }
        throw new NetDefinitionException("layer '" + layerName + "': unknown layer type '" + name
                + "'; supported types: " + supportedNames());
    }

    public static String supportedNames() {
        return Arrays.stream(values()).map(LayerType::caffeName).collect(Collectors.joining(", "));
    }
}

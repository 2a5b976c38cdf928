package org.cortado.layers;

import org.cortado.caffe.proto.Caffe.LayerParameter;

/** Builds a layer from its prototxt definition: one exhaustive switch over {@link LayerType}. */
public final class LayerFactory {
    private LayerFactory() {
    }

    public static Layer create(LayerParameter def) {
        LayerType type = LayerType.of(def.getType(), def.getName());
        LayerConfig c = LayerConfig.of(def, type);
        try {
            return build(def, type, c);
        } catch (IllegalArgumentException e) {
            // Shape arithmetic in a Params record (an input shape past 2^31-1 elements) does not know its layer.
            throw new NetDefinitionException(c.describe() + ": " + e.getMessage(), e);
        }
    }

    private static Layer build(LayerParameter def, LayerType type, LayerConfig c) {
        return switch (type) {
            case INPUT -> new InputLayer(c, InputLayer.Params.from(def));
            case CONVOLUTION -> new ConvolutionLayer(c, ConvolutionLayer.Params.from(def));
            case INNER_PRODUCT -> new InnerProductLayer(c, InnerProductLayer.Params.from(def));
            case RELU -> new ReLULayer(c, ReLULayer.Params.from(def));
            case POOLING -> new PoolingLayer(c, PoolingLayer.Params.from(def));
            case LRN -> new LRNLayer(c, LRNLayer.paramsFrom(def));
            case DROPOUT -> new DropoutLayer(c, DropoutLayer.Params.from(def));
            case SOFTMAX -> new SoftmaxLayer(c, SoftmaxLayer.Params.from(def));
            case CONCAT -> new ConcatLayer(c, ConcatLayer.Params.from(def));
            case ELTWISE -> new EltwiseLayer(c, EltwiseLayer.Params.from(def));
            case BATCH_NORM -> new BatchNormLayer(c, BatchNormLayer.Params.from(def));
            case SCALE -> new ScaleLayer(c, ScaleLayer.Params.from(def));
            case FLATTEN -> new FlattenLayer(c, FlattenLayer.Params.from(def));
            case RESHAPE -> new ReshapeLayer(c, ReshapeLayer.Params.from(def));
            case SPLIT -> new SplitLayer(c);
            case SIGMOID -> new SigmoidLayer(c);
            case TANH -> new TanHLayer(c);
            case SOFTMAX_WITH_LOSS -> new SoftmaxWithLossLayer(c, SoftmaxWithLossLayer.Params.from(def));
            case HINGE_LOSS -> new HingeLossLayer(c, HingeLossLayer.Params.from(def));
            case ACCURACY -> new AccuracyLayer(c, AccuracyLayer.Params.from(def));
            case PRELU -> new PReLULayer(c, PReLULayer.Params.from(def));
            case ELU -> new ELULayer(c, ELULayer.Params.from(def));
            case POWER -> new PowerLayer(c, PowerLayer.Params.from(def));
            case EXP -> new ExpLayer(c, ExpLayer.Params.from(def));
            case LOG -> new LogLayer(c, LogLayer.Params.from(def));
            case ABSVAL -> new AbsValLayer(c);
            case BNLL -> new BNLLLayer(c);
            case THRESHOLD -> new ThresholdLayer(c, ThresholdLayer.Params.from(def));
            case SLICE -> new SliceLayer(c, SliceLayer.Params.from(def));
            case TILE -> new TileLayer(c, TileLayer.Params.from(def));
            case BIAS -> new BiasLayer(c, BiasLayer.Params.from(def));
            case CROP -> new CropLayer(c, CropLayer.Params.from(def));
            case SILENCE -> new SilenceLayer(c);
            case DECONVOLUTION -> new DeconvolutionLayer(c, DeconvolutionLayer.paramsFrom(def));
            case REDUCTION -> new ReductionLayer(c, ReductionLayer.Params.from(def));
            case MVN -> new MVNLayer(c, MVNLayer.Params.from(def));
            case ARGMAX -> new ArgMaxLayer(c, ArgMaxLayer.Params.from(def));
            case EMBED -> new EmbedLayer(c, EmbedLayer.Params.from(def));
            case EUCLIDEAN_LOSS -> new EuclideanLossLayer(c);
            case SIGMOID_CROSS_ENTROPY_LOSS -> new SigmoidCrossEntropyLossLayer(c,
                    SigmoidCrossEntropyLossLayer.Params.from(def));
            case MULTINOMIAL_LOGISTIC_LOSS -> new MultinomialLogisticLossLayer(c);
            case INFOGAIN_LOSS -> new InfogainLossLayer(c, InfogainLossLayer.Params.from(def));
            case CONTRASTIVE_LOSS -> new ContrastiveLossLayer(c, ContrastiveLossLayer.Params.from(def));
        };
    }
}

package org.cortado.testing;

import org.cortado.net.NetDefinition;

/** Small nets for solver and training tests: fast on one core, yet with every kind of layer training touches. */
public final class TinyNets {
    private TinyNets() {
    }

    /**
     * A deploy net in the shape of SqueezeNet's tail: {@code data (N, 3, 8, 8)} -> conv1 (8, 3x3) -> ReLU ->
     * MAX pool -> a fire module (squeeze 4 1x1, expand 8 1x1 and 8 3x3, concat) -> dropout -> conv_final (3 classes,
     * 1x1, pad 1) -> ReLU -> global AVE pool -> Softmax "prob".
     */
    public static final String DEPLOY = """
            name: "tiny"
            input: "data"
            input_shape { dim: 2 dim: 3 dim: 8 dim: 8 }
            layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1"
                    convolution_param { num_output: 8 kernel_size: 3 } }
            layer { name: "relu1" type: "ReLU" bottom: "conv1" top: "conv1" }
            layer { name: "pool1" type: "Pooling" bottom: "conv1" top: "pool1"
                    pooling_param { pool: MAX kernel_size: 3 stride: 2 } }
            layer { name: "fire/squeeze" type: "Convolution" bottom: "pool1" top: "fire/squeeze"
                    convolution_param { num_output: 4 kernel_size: 1 } }
            layer { name: "fire/relu_squeeze" type: "ReLU" bottom: "fire/squeeze" top: "fire/squeeze" }
            layer { name: "fire/e1" type: "Convolution" bottom: "fire/squeeze" top: "fire/e1"
                    convolution_param { num_output: 8 kernel_size: 1 } }
            layer { name: "fire/relu_e1" type: "ReLU" bottom: "fire/e1" top: "fire/e1" }
            layer { name: "fire/e3" type: "Convolution" bottom: "fire/squeeze" top: "fire/e3"
                    convolution_param { num_output: 8 kernel_size: 3 pad: 1 } }
            layer { name: "fire/relu_e3" type: "ReLU" bottom: "fire/e3" top: "fire/e3" }
            layer { name: "fire/concat" type: "Concat" bottom: "fire/e1" bottom: "fire/e3" top: "fire/concat" }
            layer { name: "drop" type: "Dropout" bottom: "fire/concat" top: "fire/concat"
                    dropout_param { dropout_ratio: 0.5 } }
            layer { name: "conv_final" type: "Convolution" bottom: "fire/concat" top: "conv_final"
                    convolution_param { num_output: 3 kernel_size: 1 pad: 1 } }
            layer { name: "relu_final" type: "ReLU" bottom: "conv_final" top: "conv_final" }
            layer { name: "pool_final" type: "Pooling" bottom: "conv_final" top: "pool_final"
                    pooling_param { pool: AVE global_pooling: true } }
            layer { name: "prob" type: "Softmax" bottom: "pool_final" top: "prob" }
            """;

    public static NetDefinition deploy() {
        return NetDefinition.parse("TinyNets.DEPLOY", DEPLOY);
    }
}

package org.cortado.gpu;

/**
 * The kernel versions the GPU backend launches: the {@code .cu} file (module) each lives in and its extern "C" name.
 * A test checks that every name is an entry of its module's PTX and that every {@code .cu} file is a module here.
 */
enum Kernel {
    AXPBY("elementwise", "axpby_kernel1"),
    MULTIPLY("elementwise", "multiply_kernel1"),
    ADD_BIAS("elementwise", "add_bias_kernel1"),
    CONV_EPILOGUE("elementwise", "conv_epilogue_kernel1"),
    CHANNEL_AFFINE("elementwise", "channel_affine_kernel1"),
    COPY_BLOCKS("elementwise", "copy_blocks_kernel1"),
    ELTWISE_MAX_STEP("elementwise", "eltwise_max_step_kernel1"),
    ELTWISE_MAX_BACKWARD("elementwise", "eltwise_max_backward_kernel1"),
    SUM_SQUARES("elementwise", "sum_squares_kernel1"),
    FLOAT_TO_BF16("elementwise", "float_to_bf16_kernel1"),
    BF16_TO_FLOAT("elementwise", "bf16_to_float_kernel1"),
    RELU_FORWARD("activations", "relu_forward_kernel1"),
    RELU_BACKWARD("activations", "relu_backward_kernel1"),
    SIGMOID_FORWARD("activations", "sigmoid_forward_kernel1"),
    SIGMOID_BACKWARD("activations", "sigmoid_backward_kernel1"),
    TANH_FORWARD("activations", "tanh_forward_kernel1"),
    TANH_BACKWARD("activations", "tanh_backward_kernel1"),
    BIAS_BACKWARD("bias", "bias_backward_kernel1"),
    BIAS_BACKWARD_SPLIT("bias", "bias_backward_kernel2"),
    BIAS_BACKWARD_FINISH("bias", "bias_backward_finish_kernel1"),
    MAX_POOL_FORWARD("pooling", "max_pool_forward_kernel1"),
    MAX_POOL_BACKWARD("pooling", "max_pool_backward_kernel1"),
    AVE_POOL_FORWARD("pooling", "ave_pool_forward_kernel1"),
    AVE_POOL_BACKWARD("pooling", "ave_pool_backward_kernel1"),
    LRN_ACROSS_FORWARD("lrn", "lrn_across_forward_kernel1"),
    LRN_ACROSS_BACKWARD("lrn", "lrn_across_backward_kernel1"),
    LRN_WITHIN_FORWARD("lrn", "lrn_within_forward_kernel1"),
    LRN_WITHIN_BACKWARD("lrn", "lrn_within_backward_kernel1"),
    SOFTMAX_FORWARD("softmax", "softmax_forward_kernel1"),
    SOFTMAX_FORWARD_ROWS("softmax", "softmax_forward_kernel2"),
    SOFTMAX_BACKWARD("softmax", "softmax_backward_kernel1"),
    IM2COL("im2col", "im2col_kernel1"),
    COL2IM("im2col", "col2im_kernel1"),
    DROPOUT_MASK("dropout", "dropout_mask_kernel1"),
    SGD_UPDATE("solver", "sgd_update_kernel1"),
    NESTEROV_UPDATE("solver", "nesterov_update_kernel1"),
    ADAM_UPDATE("solver", "adam_update_kernel1"),
    ADAGRAD_UPDATE("solver", "adagrad_update_kernel1"),
    RMSPROP_UPDATE("solver", "rmsprop_update_kernel1"),
    ADADELTA_UPDATE("solver", "adadelta_update_kernel1"),
    SOFTMAX_LOSS_FORWARD("loss", "softmax_loss_forward_kernel1"),
    SOFTMAX_LOSS_BACKWARD("loss", "softmax_loss_backward_kernel1"),
    HINGE_LOSS_FORWARD("loss", "hinge_loss_forward_kernel1"),
    HINGE_LOSS_BACKWARD("loss", "hinge_loss_backward_kernel1"),
    ACCURACY("loss", "accuracy_kernel1"),
    TRANSFORM_PIXELS("transform", "transform_pixels_kernel1"),
    POINTWISE_FORWARD("activations", "pointwise_forward_kernel1"),
    POINTWISE_BACKWARD("activations", "pointwise_backward_kernel1"),
    PRELU_FORWARD("activations", "prelu_forward_kernel1"),
    PRELU_BACKWARD("activations", "prelu_backward_kernel1"),
    PRELU_SLOPE_TERMS("activations", "prelu_slope_terms_kernel1"),
    REDUCE_ROWS("reduction", "reduce_rows_kernel1"),
    REDUCE_ROWS_BACKWARD("reduction", "reduce_rows_backward_kernel1"),
    MVN_FORWARD("reduction", "mvn_forward_kernel1"),
    MVN_BACKWARD("reduction", "mvn_backward_kernel1"),
    ARGMAX("reduction", "argmax_kernel1"),
    COPY_WINDOW("copy", "copy_window_kernel1"),
    EMBED_FORWARD("copy", "embed_forward_kernel1"),
    EMBED_BACKWARD("copy", "embed_backward_kernel1"),
    STO_POOL_TEST("pooling", "sto_pool_test_kernel1"),
    STO_POOL_TRAIN("pooling", "sto_pool_train_kernel1"),
    CHECK_INDICES("loss", "check_indices_kernel1"),
    SIGMOID_CE_FORWARD("loss", "sigmoid_ce_forward_kernel1"),
    SIGMOID_CE_BACKWARD("loss", "sigmoid_ce_backward_kernel1"),
    MLOGISTIC_FORWARD("loss", "mlogistic_forward_kernel1"),
    MLOGISTIC_BACKWARD("loss", "mlogistic_backward_kernel1"),
    INFOGAIN_FORWARD("loss", "infogain_forward_kernel1"),
    INFOGAIN_BACKWARD("loss", "infogain_backward_kernel1"),
    CONTRASTIVE_FORWARD("loss", "contrastive_forward_kernel1"),
    CONTRASTIVE_BACKWARD("loss", "contrastive_backward_kernel1"),
    H16_FROM_FLOAT("half", "h16_from_float_kernel1"),
    H16_TO_FLOAT("half", "h16_to_float_kernel1"),
    H16_RELU_FORWARD("half", "h16_relu_forward_kernel1"),
    H16_BIAS_RELU("half", "h16_bias_relu_kernel1"),
    H16_COPY_BLOCKS("half", "h16_copy_blocks_kernel1"),
    H16_MAX_POOL_FORWARD("half", "h16_max_pool_forward_kernel1"),
    H16_AVE_POOL_FORWARD("half", "h16_ave_pool_forward_kernel1"),
    H16_LRN_ACROSS_FORWARD("half", "h16_lrn_across_forward_kernel1"),
    H16_LRN_WITHIN_FORWARD("half", "h16_lrn_within_forward_kernel1"),
    H16_SOFTMAX_FORWARD("half", "h16_softmax_forward_kernel1");

    /** Threads per block of every launch; the kernels with shared-memory reductions are written for exactly this. */
    static final int BLOCK = 256;

    final String module;
    final String function;

    Kernel(String module, String function) {
        this.module = module;
        this.function = function;
    }
}

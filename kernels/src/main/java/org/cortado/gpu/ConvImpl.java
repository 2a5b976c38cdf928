package org.cortado.gpu;

/**
 * How the GPU backend runs a convolution: Caffe's im2col (own kernel) followed by a cuBLAS GEMM per image and group,
 * or cuDNN with the fastest algorithm measured once per shape. Both are checked against the CPU oracle.
 */
public enum ConvImpl {
    IM2COL_GEMM,
    CUDNN
}

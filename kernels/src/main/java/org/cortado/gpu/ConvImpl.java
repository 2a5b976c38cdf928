package org.cortado.gpu;

/**
 * How the GPU backend runs a convolution. All three are checked against the CPU oracle.
 */
public enum ConvImpl {
    /** Caffe's im2col (the engine's kernel), then a cuBLAS GEMM per image and group, in every direction. */
    IM2COL_GEMM,
    /** cuDNN, with the fastest of its algorithms measured once per shape and direction. */
    CUDNN,
    /**
     * Per shape, whichever of cuDNN and im2col + GEMM ran the forward faster on the shape's first use
     * ({@link ForwardChoice}); the backward passes go through cuDNN. For small batches, where cuDNN's algorithms leave
     * much of a large GPU idle.
     */
    FASTEST;

    /** Whether this implementation calls cuDNN, and so needs it loaded. */
    public boolean needsCudnn() {
        return this != IM2COL_GEMM;
    }
}

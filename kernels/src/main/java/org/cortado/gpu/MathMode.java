package org.cortado.gpu;

/**
 * The arithmetic of GEMMs and convolutions. {@link #FP32} is the default and the one checked against the CPU oracle
 * with the usual tolerances; the others trade precision for tensor-core speed and must be asked for.
 */
public enum MathMode {
    /** IEEE float32 multiply-adds: cuBLAS default math, cuDNN restricted to FMA algorithms (no TF32). */
    FP32,
    /** Inputs rounded to TF32 (10-bit mantissa) inside cuBLAS and cuDNN, accumulation in float32. */
    TF32,
    /**
     * Operands rounded to bfloat16, accumulation in float32: GEMMs through cuBLAS {@code COMPUTE_32F_FAST_16BF};
     * cuDNN forward convolutions on bfloat16 copies of input and weights (converted by the engine's kernels), their
     * output widened back to float32. Where cuDNN offers no bfloat16 algorithm for a shape, and for the backward
     * passes, convolutions use TF32 tensor cores.
     */
    BF16
}

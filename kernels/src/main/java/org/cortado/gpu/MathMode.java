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
     * GEMMs with inputs rounded to bfloat16 (cuBLAS {@code COMPUTE_32F_FAST_16BF}), accumulation in float32;
     * convolutions use TF32 tensor cores (cuDNN's legacy API that JCudnn wraps has no bfloat16 rounding of float
     * data).
     */
    BF16
}

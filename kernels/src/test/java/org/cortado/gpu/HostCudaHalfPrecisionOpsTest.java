package org.cortado.gpu;

/**
 * The 16-bit storage's inference ops on the host-CUDA device ({@link HostCuda}): the kernels of {@code half.cu} on the
 * CPU, and the stand-in cuDNN and cuBLAS computing bfloat16 and half tensors as the GPU's do (16-bit operands, float
 * accumulation, one rounding of the output).
 */
class HostCudaHalfPrecisionOpsTest extends HalfPrecisionOpsContract {
    @Override
    GpuBackend open(Precision precision) {
        return HostCuda.open(HostCuda.Layout.CUDA_13, ConvImpl.CUDNN, MathMode.FP32, precision);
    }
}

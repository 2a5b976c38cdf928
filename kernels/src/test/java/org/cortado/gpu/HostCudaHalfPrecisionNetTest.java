package org.cortado.gpu;

/** SqueezeNet v1.0 and the narrow CaffeNet in 16-bit storage on the host-CUDA device against the float32 CPU. */
class HostCudaHalfPrecisionNetTest extends HalfPrecisionNetContract {
    @Override
    GpuBackend open(Precision precision) {
        return HostCuda.open(HostCuda.Layout.CUDA_13, ConvImpl.CUDNN, MathMode.FP32, precision);
    }

    @Override
    boolean fullSize() {
        return false;
    }
}

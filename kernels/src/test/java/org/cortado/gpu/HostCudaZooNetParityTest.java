package org.cortado.gpu;

/** The Zoo's ops and SqueezeNet v1.1 planned on the host-CUDA device ({@link HostCuda}) against the CPU. */
class HostCudaZooNetParityTest extends ZooNetParityContract {
    @Override
    GpuBackend open(ConvImpl conv) {
        return HostCuda.open(conv, MathMode.FP32);
    }

    @Override
    GpuBackend openBf16() {
        return HostCuda.open(ConvImpl.CUDNN, MathMode.BF16);
    }

    @Override
    boolean fullSize() {
        return false;
    }
}

package org.cortado.gpu;

/** Whole nets on the host-CUDA device ({@link HostCuda}) against the CPU, both convolution implementations. */
class HostCudaNetParityTest extends NetParityContract {
    @Override
    GpuBackend open(ConvImpl conv) {
        return HostCuda.open(conv, MathMode.FP32);
    }

    @Override
    boolean graphs() {
        return true;
    }

    @Override
    boolean fullSize() {
        return false;
    }
}

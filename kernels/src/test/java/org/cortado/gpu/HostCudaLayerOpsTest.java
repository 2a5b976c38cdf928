package org.cortado.gpu;

/**
 * The operations of Caffe's less common layers against the CPU oracle on host CUDA: the jar's PTX loaded by the real
 * {@link KernelModules} through the JCuda natives (see {@link HostCudaOpsTest}).
 */
class HostCudaLayerOpsTest extends LayerOpsContract {
    @Override
    GpuBackend open() {
        return HostCuda.open(ConvImpl.IM2COL_GEMM, MathMode.FP32);
    }
}

package org.cortado.gpu;

import org.junit.jupiter.api.Tag;

/** The training kernels (dropout, solver updates, losses) on a GPU. */
@Tag("gpu")
class GpuTrainingKernelsTest extends TrainingKernelsContract {
    @Override
    GpuBackend open() {
        return GpuTestSupport.open(ConvImpl.IM2COL_GEMM, MathMode.FP32);
    }
}

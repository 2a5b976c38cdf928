package org.cortado.gpu;

import org.junit.jupiter.api.Tag;

/** The 16-bit storage's inference ops on a GPU: cuDNN and cuBLAS on tensor cores, the kernels of {@code half.cu}. */
@Tag("gpu")
class GpuHalfPrecisionOpsTest extends HalfPrecisionOpsContract {
    @Override
    GpuBackend open(Precision precision) {
        return GpuTestSupport.open(ConvImpl.CUDNN, MathMode.FP32, precision);
    }
}

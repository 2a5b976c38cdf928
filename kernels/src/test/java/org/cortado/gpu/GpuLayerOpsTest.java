package org.cortado.gpu;

import org.junit.jupiter.api.Tag;

/** The operations of Caffe's less common layers against the CPU oracle on a GPU; skipped where none opens. */
@Tag("gpu")
class GpuLayerOpsTest extends LayerOpsContract {
    @Override
    GpuBackend open() {
        return GpuTestSupport.open(ConvImpl.IM2COL_GEMM, MathMode.FP32);
    }
}

package org.cortado.gpu;

import org.junit.jupiter.api.Tag;

/** The Zoo's deeper nets planned on a GPU (BatchNorm folded there) against the CPU. */
@Tag("gpu")
class GpuZooNetParityTest extends ZooNetParityContract {
    @Override
    GpuBackend open(ConvImpl conv) {
        return GpuTestSupport.open(conv, MathMode.FP32);
    }

    @Override
    GpuBackend openBf16() {
        return GpuTestSupport.open(ConvImpl.CUDNN, MathMode.BF16);
    }

    @Override
    boolean fullSize() {
        return true;
    }
}

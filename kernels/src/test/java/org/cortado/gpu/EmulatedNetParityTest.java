package org.cortado.gpu;

import org.junit.jupiter.api.Assumptions;

/** Whole nets on the emulated device against the CPU (im2col + GEMM; AlexNet left to the GPU for time). */
class EmulatedNetParityTest extends NetParityContract {
    @Override
    GpuBackend open(ConvImpl conv) {
        Assumptions.assumeTrue(conv == ConvImpl.IM2COL_GEMM, "the emulated device has no cuDNN");
        return EmulatedDevice.backend();
    }

    @Override
    boolean fullSize() {
        return false;
    }
}

package org.cortado.gpu;

import org.junit.jupiter.api.Assumptions;

/** The Zoo's ops and SqueezeNet v1.1 planned on the emulated device (im2col + GEMM) against the CPU. */
class EmulatedZooNetParityTest extends ZooNetParityContract {
    @Override
    GpuBackend open(ConvImpl conv) {
        Assumptions.assumeTrue(conv == ConvImpl.IM2COL_GEMM, "the emulated device has no cuDNN");
        return EmulatedDevice.backend();
    }

    @Override
    ConvImpl zooConv() {
        return ConvImpl.IM2COL_GEMM;
    }

    @Override
    boolean fullSize() {
        return false;
    }
}

package org.cortado.gpu;

import org.junit.jupiter.api.Assumptions;

/**
 * Training on the emulated device (the kernel sources compiled for the CPU) against the CPU oracle: the small net,
 * SqueezeNet's backward and a fine-tuning run, with im2col + GEMM convolutions.
 */
class EmulatedNetTrainingParityTest extends NetTrainingParityContract {
    @Override
    GpuBackend open(ConvImpl conv) {
        Assumptions.assumeTrue(conv == ConvImpl.IM2COL_GEMM, "the emulated device has no cuDNN");
        return EmulatedDevice.backend();
    }
}

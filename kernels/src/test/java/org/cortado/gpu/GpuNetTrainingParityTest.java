package org.cortado.gpu;

import org.junit.jupiter.api.Tag;

/** Training on a GPU against the CPU oracle, with cuDNN and with im2col + GEMM convolutions. */
@Tag("gpu")
class GpuNetTrainingParityTest extends NetTrainingParityContract {
    @Override
    GpuBackend open(ConvImpl conv) {
        return GpuTestSupport.open(conv, MathMode.FP32);
    }
}

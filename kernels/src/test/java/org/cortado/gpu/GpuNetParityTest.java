package org.cortado.gpu;

import org.junit.jupiter.api.Tag;

/** Whole nets on a GPU against the CPU, both convolution implementations. */
@Tag("gpu")
class GpuNetParityTest extends NetParityContract {
    @Override
    GpuBackend open(ConvImpl conv) {
        return GpuTestSupport.open(conv, MathMode.FP32);
    }

    @Override
    boolean graphs() {
        return true;
    }

    @Override
    boolean fullSize() {
        return true;
    }
}

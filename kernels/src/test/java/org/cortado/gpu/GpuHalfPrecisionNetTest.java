package org.cortado.gpu;

import org.junit.jupiter.api.Tag;

/** SqueezeNet v1.0 and the narrow CaffeNet in 16-bit storage on a GPU against the float32 CPU. */
@Tag("gpu")
class GpuHalfPrecisionNetTest extends HalfPrecisionNetContract {
    @Override
    GpuBackend open(Precision precision) {
        return GpuTestSupport.open(ConvImpl.CUDNN, MathMode.FP32, precision);
    }

    @Override
    boolean fullSize() {
        return true;
    }
}

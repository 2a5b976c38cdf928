package org.cortado.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Every GPU backend operation against the CPU oracle, with kernels that the real NVRTC compiled from the jar's sources
 * instead of the build's PTX. That is the fallback a driver older than the build's CUDA takes. On the GPU machine,
 * whose driver loads the PTX, nothing else runs it. Skipped with the stack's account where no GPU or no NVRTC is.
 */
@Tag("gpu")
class GpuCompiledKernelsOpsTest extends BackendOpsContract {
    @Override
    GpuBackend open(ConvImpl conv, MathMode math) {
        return GpuTestSupport.open(conv, math, true);
    }

    @Override
    boolean graphs() {
        return true;
    }

    @Test
    void everyModuleCameFromNvrtc() {
        GpuBackend b = open(ConvImpl.IM2COL_GEMM, MathMode.FP32);
        try {
            Map<String, String> origins = b.kernelOrigins();
            long modules = Arrays.stream(Kernel.values()).map(k -> k.module).distinct().count();
            assertEquals(modules, origins.size(), origins.toString());
            origins.forEach((module, origin) -> assertEquals("nvrtc (compiling the sources was asked for)", origin,
                    module));
        } finally {
            b.close();
        }
    }
}

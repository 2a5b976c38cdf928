package org.cortado.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every GPU backend operation on the host-CUDA device laid out as CUDA 12.4 / cuDNN 8 ({@link
 * HostCuda.Layout#CUDA_12}): the JCuda natives' own sonames, so NativeStack loads cuBLAS, cuDNN and NVRTC without
 * bridges, and a driver older than the jar's PTX, so {@link KernelModules} compiles every kernel module with NVRTC (its
 * fallback, which no GPU has run yet). A JVM of its own (surefire execution {@code host-cuda-12}): NativeStack loads
 * once per JVM.
 */
class HostCuda12OpsTest extends BackendOpsContract {
    @Override
    GpuBackend open(ConvImpl conv, MathMode math) {
        return HostCuda.open(HostCuda.Layout.CUDA_12, conv, math);
    }

    @Override
    boolean graphs() {
        return true;
    }

    @Test
    void kernelsCompiledByNvrtcAndLibrariesLoadedWithoutBridges() {
        GpuBackend b = open(ConvImpl.CUDNN, MathMode.FP32);
        try {
            Map<String, String> origins = b.kernelOrigins();
            long modules = java.util.Arrays.stream(Kernel.values()).map(k -> k.module).distinct().count();
            assertEquals(modules, origins.size(), origins.toString());
            for (Map.Entry<String, String> e : origins.entrySet()) {
                assertTrue(e.getValue().startsWith("nvrtc (the driver rejected the build's PTX")
                        && e.getValue().contains("UNSUPPORTED_PTX_VERSION"), e.getKey() + ": " + e.getValue());
            }
            String report = String.join("\n", NativeStack.load().report());
            for (String lib : new String[] {"libcublas.so.12 at ", "libcudnn.so.8 at ", "libnvrtc.so.12 at "}) {
                assertTrue(report.contains(lib), report);
            }
            assertTrue(!report.contains("bridge"), report);
        } finally {
            b.close();
        }
    }

    /** The hook GpuCompiledKernelsOpsTest uses on a GPU: NVRTC compiles every module, whatever the driver would load. */
    @Test
    void compilingTheKernelsCanBeAskedFor() {
        GpuBackend b = HostCuda.open(HostCuda.Layout.CUDA_12, ConvImpl.IM2COL_GEMM, MathMode.FP32, true);
        try {
            Map<String, String> origins = b.kernelOrigins();
            origins.forEach((module, origin) -> assertEquals("nvrtc (compiling the sources was asked for)", origin,
                    module));
            assertEquals(Arrays.stream(Kernel.values()).map(k -> k.module).distinct().count(), origins.size());
        } finally {
            b.close();
        }
    }
}

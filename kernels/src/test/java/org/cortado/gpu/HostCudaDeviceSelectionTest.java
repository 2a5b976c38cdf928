package org.cortado.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.cortado.backend.Backend;
import org.cortado.backend.BackendUnavailableException;
import org.cortado.backend.Backends;
import org.junit.jupiter.api.Test;

/**
 * {@code --device gpu:N} through the real provider, JCuda and the host-CUDA driver, which has one device: {@code gpu:0}
 * opens it, {@code gpu:1} fails with what the driver sees and the stack's account.
 */
class HostCudaDeviceSelectionTest {
    @Test
    void gpuNOpensDeviceNAndABadIndexSaysHowManyThereAre() {
        HostCuda.open(ConvImpl.IM2COL_GEMM, MathMode.FP32).close();  // loads the host-CUDA stack in this JVM
        try (Backend b = Backends.select("gpu:0")) {
            assertInstanceOf(GpuBackend.class, b);
            assertEquals("cuda:0", b.device().name());
        }
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                () -> Backends.select("gpu:1"));
        String m = e.getMessage();
        assertTrue(m.contains("CUDA device 1 requested, the driver sees 1") && m.contains("libcuda.so.1"), m);
    }
}

package org.cortado.gpu;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ServiceLoader;
import org.cortado.backend.Backend;
import org.cortado.backend.BackendProvider;
import org.cortado.backend.BackendUnavailableException;
import org.cortado.backend.Backends;
import org.cortado.backend.cpu.CpuBackend;
import org.junit.jupiter.api.Test;

/**
 * {@code --device gpu|auto} on this machine, through the provider that ServiceLoader finds in this module: where the
 * stack loads and a GPU opens, both give the GPU backend; elsewhere (CI, a laptop) {@code gpu} fails with one message
 * that lists every library looked for and the folders searched, and {@code auto} runs on the CPU and says so in a line.
 */
class GpuSelectionTest {
    @Test
    void gpuEitherOpensOrListsWhatWasLookedForAndWhere() {
        Backend b;
        try {
            b = Backends.select("gpu");
        } catch (BackendUnavailableException e) {
            String m = e.getMessage();
            assertTrue(m.contains("libcuda.so.1") && m.contains("cuBLAS") && m.contains("cuDNN") && m.contains("NVRTC"), m);
            assertTrue(m.contains("searched:") && m.contains("/usr/local/cuda") && m.contains("/usr/lib64"), m);
            if (m.startsWith("no usable GPU stack")) {
                assertTrue(m.contains("FAILED"), m);
            }
            return;
        }
        try (b) {
            assertInstanceOf(GpuBackend.class, b);
        }
    }

    @Test
    void autoFallsBackToTheCpuWithOneLineOrOpensTheGpu() {
        ByteArrayOutputStream notices = new ByteArrayOutputStream();
        try (Backend b = Backends.select("auto", ServiceLoader.load(BackendProvider.class),
                new PrintStream(notices, true, StandardCharsets.UTF_8))) {
            String said = notices.toString(StandardCharsets.UTF_8);
            if (b instanceof CpuBackend) {
                assertTrue(said.contains("running on the CPU") && said.lines().count() == 1, said);
            } else {
                assertInstanceOf(GpuBackend.class, b);
                assertTrue(said.isEmpty(), said);
            }
        }
    }

    @Test
    void providerIsRegisteredForServiceLoader() {
        assertTrue(ServiceLoader.load(BackendProvider.class).stream()
                .anyMatch(p -> p.type() == GpuBackendProvider.class));
        assertThrows(IllegalArgumentException.class, () -> Backends.select("cuda"));
    }
}

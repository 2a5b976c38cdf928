package org.cortado.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.cortado.backend.cpu.CpuBackend;
import org.junit.jupiter.api.Test;

class BackendsTest {
    /** A provider that finds no device, as the GPU provider does on a machine without one. */
    private static final class Unavailable implements BackendProvider {
        private final String message;

        Unavailable(String message) {
            this.message = message;
        }

        @Override
        public String kind() {
            return "gpu";
        }

        @Override
        public Backend open(int ordinal) {
            throw new BackendUnavailableException(message + " (device " + ordinal + ")");
        }
    }

    private final ByteArrayOutputStream notices = new ByteArrayOutputStream();
    private final PrintStream err = new PrintStream(notices, true, StandardCharsets.UTF_8);

    @Test
    void cpuIsAlwaysThere() {
        assertInstanceOf(CpuBackend.class, Backends.select("cpu", List.of(), err));
        assertEquals("", notices.toString(StandardCharsets.UTF_8));
    }

    @Test
    void gpuWithoutProviderNamesTheMissingJar() {
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                () -> Backends.select("gpu", List.of(), err));
        assertTrue(e.getMessage().contains("cortado-kernels"), e.getMessage());
    }

    @Test
    void gpuPassesTheProvidersAccountOnUnchanged() {
        String account = "no CUDA driver found\n  libcuda.so.1: not in /usr/lib64 (no such file)";
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                () -> Backends.select("gpu", List.of(new Unavailable(account)), err));
        assertEquals(account + " (device 0)", e.getMessage());
    }

    @Test
    void autoFallsBackToTheCpuAndSaysWhyInOneLine() {
        Backend b = Backends.select("auto", List.of(new Unavailable("no CUDA driver found\n  details")), err);
        assertInstanceOf(CpuBackend.class, b);
        String said = notices.toString(StandardCharsets.UTF_8);
        assertTrue(said.contains("no CUDA driver found") && said.contains("CPU"), said);
        assertEquals(1, said.lines().count(), said);
    }

    @Test
    void gpuNAsksTheProviderForDeviceN() {
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                () -> Backends.select("gpu:3", List.of(new Unavailable("no such device")), err));
        assertEquals("no such device (device 3)", e.getMessage());
    }

    @Test
    void gpuNWithoutAnIndexIsAnError() {
        for (String bad : List.of("gpu:", "gpu:x", "gpu:-1", "gpu:1.5", "gpu: 1")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Backends.select(bad, List.of(new Unavailable("unused")), err), bad);
            assertTrue(e.getMessage().contains("'" + bad + "'") && e.getMessage().contains("gpu:0, gpu:1"),
                    e.getMessage());
        }
    }

    @Test
    void unknownDeviceListsTheChoices() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Backends.select("tpu", List.of(), err));
        assertTrue(e.getMessage().contains("'tpu'") && e.getMessage().contains("auto")
                && e.getMessage().contains("gpu:N"), e.getMessage());
    }
}

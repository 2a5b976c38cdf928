package org.cortado.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import org.cortado.backend.Backend;
import org.junit.jupiter.api.Test;

/** What the GPU backend must implement itself, checked without a device. */
class GpuBackendApiTest {
    /**
     * Backend's default methods run their reference loops on host copies (correct anywhere, but a round trip of whole
     * tensors through the host per call); the GPU backend overrides each one with device work.
     */
    @Test
    void everyDefaultOperationOfBackendRunsOnTheDevice() throws NoSuchMethodException {
        List<String> inherited = new ArrayList<>();
        for (Method m : Backend.class.getMethods()) {
            Method implementation = GpuBackend.class.getMethod(m.getName(), m.getParameterTypes());
            if (m.isDefault() && implementation.getDeclaringClass() != GpuBackend.class) {
                inherited.add(m.getName());
            }
        }
        assertEquals(List.of(), inherited, "Backend defaults GpuBackend does not override");
    }
}

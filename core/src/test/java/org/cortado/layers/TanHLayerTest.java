package org.cortado.layers;

import static org.cortado.testing.GradientChecker.gaussian;

import org.cortado.backend.cpu.CpuBackend;
import org.cortado.tensor.Shape;
import org.cortado.testing.GradientChecker;
import org.junit.jupiter.api.Test;

class TanHLayerTest {
    private final GradientChecker checker = new GradientChecker(new CpuBackend(2));

    @Test
    void imageShaped() {
        checker.check("type: 'TanH' bottom: 'x' top: 'y'", gaussian(Shape.of(2, 3, 4, 5), 1.0, 1));
    }

    @Test
    void oneElement() {
        checker.check("type: 'TanH' bottom: 'x' top: 'y'", gaussian(Shape.of(1), 1.0, 2));
    }
}

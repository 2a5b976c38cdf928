package org.cortado.layers;

import static org.cortado.testing.GradientChecker.gaussian;

import org.cortado.backend.cpu.CpuBackend;
import org.cortado.tensor.Shape;
import org.cortado.testing.GradientChecker;
import org.junit.jupiter.api.Test;

class SplitLayerTest {
    private final GradientChecker checker = new GradientChecker(new CpuBackend(2));

    @Test
    void threeTopsSumTheirGradients() {
        checker.check("type: 'Split' bottom: 'x' top: 'a' top: 'b' top: 'c'", gaussian(Shape.of(2, 3, 2), 1.0, 1));
    }

    @Test
    void oneTop() {
        checker.check("type: 'Split' bottom: 'x' top: 'a'", gaussian(Shape.of(3), 1.0, 2));
    }
}

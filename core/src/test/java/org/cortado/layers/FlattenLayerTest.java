package org.cortado.layers;

import static org.cortado.testing.GradientChecker.gaussian;

import org.cortado.backend.cpu.CpuBackend;
import org.cortado.tensor.Shape;
import org.cortado.testing.GradientChecker;
import org.junit.jupiter.api.Test;

class FlattenLayerTest {
    private final GradientChecker checker = new GradientChecker(new CpuBackend(2));

    @Test
    void defaultAxes() {
        checker.check("type: 'Flatten' bottom: 'x' top: 'y'", gaussian(Shape.of(2, 3, 2, 2), 1.0, 1));
    }

    @Test
    void middleAxes() {
        checker.check("type: 'Flatten' bottom: 'x' top: 'y' flatten_param { axis: 1 end_axis: 2 }",
                gaussian(Shape.of(1, 3, 2, 5), 1.0, 2));
    }
}

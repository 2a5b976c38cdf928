package org.cortado.layers;

import static org.cortado.testing.GradientChecker.gaussian;

import org.cortado.backend.cpu.CpuBackend;
import org.cortado.tensor.Shape;
import org.cortado.testing.GradientChecker;
import org.junit.jupiter.api.Test;

class ReshapeLayerTest {
    private final GradientChecker checker = new GradientChecker(new CpuBackend(2));

    @Test
    void copyAndInferDimensions() {
        checker.check("type: 'Reshape' bottom: 'x' top: 'y' reshape_param { shape { dim: 0 dim: -1 dim: 2 } }",
                gaussian(Shape.of(2, 3, 4), 1.0, 1));
    }
}

package org.cortado.layers;

import static org.cortado.testing.GradientChecker.gaussian;

import org.cortado.backend.cpu.CpuBackend;
import org.cortado.tensor.Shape;
import org.cortado.testing.GradientChecker;
import org.junit.jupiter.api.Test;

class ScaleLayerTest {
    private final GradientChecker checker = new GradientChecker(new CpuBackend(2));

    @Test
    void perChannelWithBias() {
        checker.check("type: 'Scale' bottom: 'x' top: 'y' scale_param { bias_term: true }",
                gaussian(Shape.of(2, 3, 2, 2), 1.0, 1));
    }

    @Test
    void scaleFromSecondBottom() {
        checker.check("type: 'Scale' bottom: 'x' bottom: 's' top: 'y' scale_param { axis: 1 }",
                gaussian(Shape.of(2, 3, 2), 1.0, 2), gaussian(Shape.of(3), 1.0, 3));
    }

    @Test
    void twoAxesOfScale() {
        checker.check("type: 'Scale' bottom: 'x' top: 'y' scale_param { axis: 1 num_axes: 2 }",
                gaussian(Shape.of(2, 2, 3, 2), 1.0, 4));
    }
}

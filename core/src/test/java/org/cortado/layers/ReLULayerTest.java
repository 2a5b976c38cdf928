package org.cortado.layers;

import static org.cortado.testing.GradientChecker.gaussian;

import org.cortado.backend.cpu.CpuBackend;
import org.cortado.tensor.Shape;
import org.cortado.testing.GradientChecker;
import org.junit.jupiter.api.Test;

class ReLULayerTest {
    /** Caffe's ReLU test: kink at 0, range 0.01 (the step). */
    private final GradientChecker checker = new GradientChecker(new CpuBackend(2)).kink(0, GradientChecker.STEP);

    @Test
    void plain() {
        checker.check("type: 'ReLU' bottom: 'x' top: 'y'", gaussian(Shape.of(2, 3, 4, 5), 1.0, 1));
    }

    @Test
    void leaky() {
        checker.check("type: 'ReLU' bottom: 'x' top: 'y' relu_param { negative_slope: 0.1 }",
                gaussian(Shape.of(1, 1, 3, 7), 1.0, 2));
    }
}

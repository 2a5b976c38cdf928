package org.cortado.layers;

import static org.cortado.testing.GradientChecker.gaussian;

import org.cortado.backend.cpu.CpuBackend;
import org.cortado.tensor.Shape;
import org.cortado.testing.GradientChecker;
import org.junit.jupiter.api.Test;

class SoftmaxLayerTest {
    private final GradientChecker checker = new GradientChecker(new CpuBackend(2));

    @Test
    void overChannelsWithSpatialPositions() {
        checker.check("type: 'Softmax' bottom: 'x' top: 'y'", gaussian(Shape.of(2, 5, 2, 3), 1.0, 1));
    }

    @Test
    void lastAxis() {
        checker.check("type: 'Softmax' bottom: 'x' top: 'y' softmax_param { axis: -1 }",
                gaussian(Shape.of(3, 4), 2.0, 2));
    }

    @Test
    void oneClassIsConstant() {
        checker.check("type: 'Softmax' bottom: 'x' top: 'y'", gaussian(Shape.of(2, 1), 1.0, 3));
    }
}

package org.cortado.layers;

import static org.cortado.testing.GradientChecker.gaussian;

import org.cortado.backend.cpu.CpuBackend;
import org.cortado.tensor.Shape;
import org.cortado.testing.GradientChecker;
import org.junit.jupiter.api.Test;

class ConcatLayerTest {
    private final GradientChecker checker = new GradientChecker(new CpuBackend(2));

    @Test
    void channelsAsFireModules() {
        checker.check("type: 'Concat' bottom: 'a' bottom: 'b' top: 'y'",
                gaussian(Shape.of(2, 3, 2, 3), 1.0, 1), gaussian(Shape.of(2, 1, 2, 3), 1.0, 2));
    }

    @Test
    void batchAxisWithThreeBottoms() {
        checker.check("type: 'Concat' bottom: 'a' bottom: 'b' bottom: 'c' top: 'y' concat_param { axis: 0 }",
                gaussian(Shape.of(1, 2, 3), 1.0, 3), gaussian(Shape.of(2, 2, 3), 1.0, 4),
                gaussian(Shape.of(1, 2, 3), 1.0, 5));
    }

    @Test
    void lastAxis() {
        checker.check("type: 'Concat' bottom: 'a' bottom: 'b' top: 'y' concat_param { axis: -1 }",
                gaussian(Shape.of(2, 3, 1), 1.0, 6), gaussian(Shape.of(2, 3, 2), 1.0, 7));
    }
}

package org.cortado.layers;

import static org.cortado.testing.GradientChecker.gaussian;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.cortado.backend.cpu.CpuBackend;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;
import org.cortado.testing.GradientChecker;
import org.junit.jupiter.api.Test;

class EuclideanLossLayerTest {
    private static final String DEF = "type: 'EuclideanLoss' bottom: 'a' bottom: 'b' top: 'loss'";
    private final GradientChecker checker = new GradientChecker(new CpuBackend(2));

    @Test
    void halfTheMeanSquaredDistancePerSample() {
        Tensor a = gaussian(Shape.of(4, 3, 2), 1.0, 1);
        Tensor b = gaussian(Shape.of(4, 6), 1.0, 2);
        double sum = 0;
        for (int i = 0; i < 24; i++) {
            double d = a.hostData()[i] - b.hostData()[i];
            sum += d * d;
        }
        assertEquals(sum / 4 / 2, LayerRun.top(DEF, a, b).hostData()[0], 1e-6 * sum);
    }

    @Test
    void bothBottomsGetAGradient() {
        checker.check(DEF, gaussian(Shape.of(3, 4), 1.0, 3), gaussian(Shape.of(3, 4), 1.0, 4));
        checker.check(DEF + " loss_weight: 2.5", gaussian(Shape.of(2, 2, 2), 1.0, 5), gaussian(Shape.of(2, 4), 1, 6));
    }

    @Test
    void countsPerSampleMustAgree() {
        assertThrows(NetDefinitionException.class,
                () -> LayerRun.top(DEF, gaussian(Shape.of(2, 3), 1, 7), gaussian(Shape.of(2, 4), 1, 8)));
        assertThrows(NetDefinitionException.class,
                () -> LayerRun.top(DEF, gaussian(Shape.of(2, 3), 1, 7), gaussian(Shape.of(3, 2), 1, 8)));
    }
}

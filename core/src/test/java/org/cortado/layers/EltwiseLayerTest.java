package org.cortado.layers;

import static org.cortado.testing.GradientChecker.distinct;
import static org.cortado.testing.GradientChecker.gaussian;

import org.cortado.backend.cpu.CpuBackend;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;
import org.cortado.testing.GradientChecker;
import org.junit.jupiter.api.Test;

class EltwiseLayerTest {
    private final GradientChecker checker = new GradientChecker(new CpuBackend(2));
    private final Shape shape = Shape.of(2, 3, 2, 3);

    @Test
    void sumWithCoefficients() {
        checker.check("type: 'Eltwise' bottom: 'a' bottom: 'b' bottom: 'c' top: 'y' "
                        + "eltwise_param { operation: SUM coeff: 1 coeff: -0.5 coeff: 2 }",
                gaussian(shape, 1.0, 1), gaussian(shape, 1.0, 2), gaussian(shape, 1.0, 3));
    }

    @Test
    void product() {
        checker.check("type: 'Eltwise' bottom: 'a' bottom: 'b' bottom: 'c' top: 'y' eltwise_param { operation: PROD }",
                gaussian(shape, 1.0, 4), gaussian(shape, 1.0, 5), gaussian(shape, 1.0, 6));
    }

    @Test
    void maxOfInputsThatNeverTie() {
        // One distinct sequence dealt out over the bottoms, so that values differ by more than twice the step.
        Tensor all = distinct(Shape.of(2, shape.count()), 5 * GradientChecker.STEP, 7);
        float[] v = all.hostData();
        Tensor a = Tensor.wrap(shape, java.util.Arrays.copyOfRange(v, 0, shape.count()));
        Tensor b = Tensor.wrap(shape, java.util.Arrays.copyOfRange(v, shape.count(), 2 * shape.count()));
        checker.check("type: 'Eltwise' bottom: 'a' bottom: 'b' top: 'y' eltwise_param { operation: MAX }", a, b);
    }
}

package org.cortado.layers;

import static org.cortado.layers.LayerRun.assertClose;
import static org.cortado.testing.GradientChecker.gaussian;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.cortado.backend.cpu.CpuBackend;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;
import org.cortado.testing.GradientChecker;
import org.junit.jupiter.api.Test;

class ReductionLayerTest {
    private final GradientChecker checker = new GradientChecker(new CpuBackend(2));


    @Test
    void everyOperationFromEveryAxis() {
        Tensor x = gaussian(Shape.of(2, 3, 4), 1.0, 1);
        String base = "type: 'Reduction' bottom: 'x' top: 'y' reduction_param { ";
        Tensor all = LayerRun.top(base + "}", x);
        assertEquals(Shape.of(), all.shape());
        assertClose("SUM", NaiveLayers.reduction(x, 1, v -> v, 1), all);
        Tensor mean = LayerRun.top(base + "operation: MEAN axis: 1 coeff: 2 }", x);
        assertEquals(Shape.of(2), mean.shape());
        assertClose("MEAN", NaiveLayers.reduction(x, 2, v -> v, 2.0 / 12), mean);
        Tensor asum = LayerRun.top(base + "operation: ASUM axis: -1 }", x);
        assertEquals(Shape.of(2, 3), asum.shape());
        assertClose("ASUM", NaiveLayers.reduction(x, 6, Math::abs, 1), asum);
        assertClose("SUMSQ", NaiveLayers.reduction(x, 2, v -> v * v, -0.5),
                LayerRun.top(base + "operation: SUMSQ axis: 1 coeff: -0.5 }", x));
    }

    @Test
    void gradients() {
        Tensor x = gaussian(Shape.of(2, 3, 2), 1.0, 2);
        String base = "type: 'Reduction' bottom: 'x' top: 'y' reduction_param { ";
        checker.check(base + "}", x);
        checker.check(base + "operation: MEAN axis: 1 coeff: 3 }", x);
        checker.check(base + "operation: SUMSQ axis: 2 }", x);
        new GradientChecker(new CpuBackend(2)).kink(0, GradientChecker.STEP)
                .check(base + "operation: ASUM axis: 1 coeff: -2 }", x);
    }
}

package org.cortado.layers;

import static org.cortado.testing.GradientChecker.labels;
import static org.cortado.testing.GradientChecker.uniform;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.cortado.backend.cpu.CpuBackend;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;
import org.cortado.testing.GradientChecker;
import org.junit.jupiter.api.Test;

class MultinomialLogisticLossLayerTest {
    private static final String DEF = "name: 'mll' type: 'MultinomialLogisticLoss' bottom: 'p' bottom: 'l' top: 'loss'";
    private final GradientChecker checker = new GradientChecker(new CpuBackend(2));

    @Test
    void meanNegativeLogOfTheLabelsProbabilityClampedAt1e20() {
        Tensor prob = uniform(Shape.of(3, 5), 0.1, 1, 1);
        Tensor label = Tensor.wrap(Shape.of(3), new float[] {4, 0, 2});
        prob.hostData()[5] = 0f;
        double want = (-Math.log(prob.hostData()[4]) - Math.log(1e-20) - Math.log(prob.hostData()[12])) / 3;
        assertEquals(want, LayerRun.top(DEF, prob, label).hostData()[0], 1e-5);
    }

    @Test
    void gradient() {
        checker.check(DEF, uniform(Shape.of(4, 3, 1, 1), 0.2, 1, 2), labels(Shape.of(4, 1, 1, 1), 3, 3));
    }

    @Test
    void aLabelOutsideTheClassesIsNamed() {
        var e = assertThrows(NetDefinitionException.class, () -> LayerRun.top(DEF, uniform(Shape.of(2, 3), 0, 1, 4),
                Tensor.wrap(Shape.of(2), new float[] {1, 3})));
        assertTrue(e.getMessage().startsWith("layer 'mll' (MultinomialLogisticLoss): label 3.0 at position 1"),
                e.getMessage());
    }
}

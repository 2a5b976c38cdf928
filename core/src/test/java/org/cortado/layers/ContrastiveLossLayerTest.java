package org.cortado.layers;

import static org.cortado.testing.GradientChecker.gaussian;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.cortado.backend.cpu.CpuBackend;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;
import org.cortado.testing.GradientChecker;
import org.junit.jupiter.api.Test;

class ContrastiveLossLayerTest {
    private static final String DEF = "type: 'ContrastiveLoss' bottom: 'a' bottom: 'b' bottom: 'y' top: 'loss' ";
    private final GradientChecker checker = new GradientChecker(new CpuBackend(2));

    private static Tensor similarity() {
        return Tensor.wrap(Shape.of(6), new float[] {1, 0, 0, 1, 0, 0});
    }


    @Test
    void lossInBothVersions() {
        Tensor a = gaussian(Shape.of(6, 3), 0.7, 1);
        Tensor b = gaussian(Shape.of(6, 3, 1, 1), 0.7, 2);
        Tensor y = similarity();
        assertEquals(NaiveLayers.contrastive(a, b, y, 1.5, false),
                LayerRun.top(DEF + "contrastive_loss_param { margin: 1.5 }", a, b, y).hostData()[0], 1e-6);
        assertEquals(NaiveLayers.contrastive(a, b, y, 2, true), LayerRun.top(DEF + "contrastive_loss_param { margin: 2 "
                + "legacy_version: true }", a, b, y).hostData()[0], 1e-6);
    }

    @Test
    void gradientsOfBothFeatureBottoms() {
        // Distances from 0.6 to 1.6 against margins of 2 and 4: every dissimilar pair inside the margin, none near
        // it, and none so close that the gradient's 1/d changes much over a step.
        Tensor a = gaussian(Shape.of(6, 3), 1.0, 3);
        Tensor b = Tensor.zeros(Shape.of(6, 3));
        for (int n = 0; n < 6; n++) {
            double norm = 0;
            for (int c = 0; c < 3; c++) {
                norm += a.hostData()[n * 3 + c] * a.hostData()[n * 3 + c];
            }
            for (int c = 0; c < 3; c++) {
                a.hostData()[n * 3 + c] *= (float) ((0.6 + 0.2 * n) / Math.sqrt(norm));
            }
        }
        checker.check(DEF + "contrastive_loss_param { margin: 2 }", a, b, similarity());
        checker.check(DEF + "contrastive_loss_param { margin: 4 legacy_version: true }", a, b, similarity());
    }

    @Test
    void featuresMustBeVectors() {
        assertThrows(NetDefinitionException.class, () -> LayerRun.top(DEF, gaussian(Shape.of(6, 3, 2), 1, 5),
                gaussian(Shape.of(6, 3, 2), 1, 6), similarity()));
    }
}

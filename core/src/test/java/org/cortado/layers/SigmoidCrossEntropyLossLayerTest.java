package org.cortado.layers;

import static org.cortado.testing.GradientChecker.gaussian;
import static org.cortado.testing.GradientChecker.uniform;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.cortado.backend.cpu.CpuBackend;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;
import org.cortado.testing.GradientChecker;
import org.junit.jupiter.api.Test;

class SigmoidCrossEntropyLossLayerTest {
    private static final String DEF = "type: 'SigmoidCrossEntropyLoss' bottom: 'x' bottom: 't' top: 'loss' ";
    private final GradientChecker checker = new GradientChecker(new CpuBackend(2));


    @Test
    void lossAndItsNormalisations() {
        Tensor x = gaussian(Shape.of(3, 4), 3.0, 1);
        Tensor t = uniform(Shape.of(3, 4), 0, 1, 2);
        t.hostData()[1] = -1;
        t.hostData()[5] = -1;
        double[] n = NaiveLayers.sigmoidCrossEntropy(x, t);
        double tol = 1e-6 * n[0];
        String ignore = "loss_param { ignore_label: -1 ";
        assertEquals(n[0] / 3, LayerRun.top(DEF + ignore + "}", x, t).hostData()[0], tol, "default: BATCH_SIZE");
        assertEquals(n[0] / n[1], LayerRun.top(DEF + ignore + "normalization: VALID }", x, t).hostData()[0], tol);
        assertEquals(n[0] / 12, LayerRun.top(DEF + ignore + "normalization: FULL }", x, t).hostData()[0], tol);
        assertEquals(n[0], LayerRun.top(DEF + ignore + "normalization: NONE }", x, t).hostData()[0], tol);
        assertEquals(n[0] / n[1], LayerRun.top(DEF + ignore + "normalize: true }", x, t).hostData()[0], tol);
    }

    @Test
    void largeScoresStayFinite() {
        Tensor x = Tensor.wrap(Shape.of(2, 1), new float[] {100f, -100f});
        Tensor t = Tensor.wrap(Shape.of(2, 1), new float[] {0f, 1f});
        assertEquals(100.0, LayerRun.top(DEF, x, t).hostData()[0], 1e-4);
    }

    @Test
    void gradient() {
        Tensor t = uniform(Shape.of(2, 3, 2), 0, 1, 4);
        t.hostData()[2] = 7;
        checker.check(DEF + "loss_param { ignore_label: 7 normalization: VALID }", gaussian(Shape.of(2, 3, 2), 2, 3),
                t);
        checker.check(DEF + "loss_weight: 3", gaussian(Shape.of(4, 2), 1.0, 5), uniform(Shape.of(4, 2), 0, 1, 6));
    }
}

package org.cortado.layers;

import static org.cortado.testing.GradientChecker.labels;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.cortado.backend.cpu.CpuBackend;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;
import org.cortado.testing.GradientChecker;
import org.junit.jupiter.api.Test;

class HingeLossLayerTest {
    private final CpuBackend backend = new CpuBackend(2);
    private final GradientChecker checker = new GradientChecker(backend);

    /** Scores kept more than two steps away from the kinks at +1 and -1. */
    private static Tensor scores(Shape shape, long seed) {
        Tensor t = GradientChecker.uniform(shape, -2.5, 2.5, seed);
        float[] v = t.hostData();
        for (int i = 0; i < v.length; i++) {
            if (Math.abs(Math.abs(v[i]) - 1f) < 3 * GradientChecker.STEP) {
                v[i] *= 0.8f;
            }
        }
        return t;
    }

    @Test
    void gradientL1() {
        checker.check("type: 'HingeLoss' bottom: 'x' bottom: 'label' top: 'loss'",
                scores(Shape.of(4, 5), 1), labels(Shape.of(4), 5, 2));
    }

    @Test
    void gradientL2WithImageShapedScores() {
        checker.check("type: 'HingeLoss' bottom: 'x' bottom: 'label' top: 'loss' hinge_loss_param { norm: L2 }",
                scores(Shape.of(3, 4, 1, 1), 3), labels(Shape.of(3), 4, 4));
    }

    @Test
    void valuesByHand() {
        // One sample, label 0, scores (0.5, 0.2, -2): margins 1 - 0.5 = 0.5, 1 + 0.2 = 1.2, max(0, 1 - 2) = 0.
        Tensor x = Tensor.wrap(Shape.of(1, 3), new float[] {0.5f, 0.2f, -2f});
        Tensor label = Tensor.wrap(Shape.of(1), new float[] {0});
        assertEquals(1.7f, forward("", x, label), 1e-6f);
        assertEquals(0.25f + 1.44f, forward("hinge_loss_param { norm: L2 }", x, label), 1e-6f);
    }

    private float forward(String param, Tensor x, Tensor label) {
        Layer layer = GradientChecker.layer("type: 'HingeLoss' bottom: 'x' bottom: 'label' top: 'loss' " + param);
        layer.reshape(List.of(x.shape(), label.shape()));
        Tensor top = Tensor.zeros(Shape.of());
        layer.forward(backend, Phase.TRAIN, List.of(x, label), List.of(top));
        return top.hostData()[0];
    }
}

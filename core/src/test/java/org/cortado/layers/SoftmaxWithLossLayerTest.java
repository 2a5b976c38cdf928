package org.cortado.layers;

import static org.cortado.testing.GradientChecker.gaussian;
import static org.cortado.testing.GradientChecker.labels;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.cortado.backend.cpu.CpuBackend;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;
import org.cortado.testing.GradientChecker;
import org.junit.jupiter.api.Test;

class SoftmaxWithLossLayerTest {
    private static final double TOL = 1e-6;
    private final CpuBackend backend = new CpuBackend(2);
    private final GradientChecker checker = new GradientChecker(backend);

    @Test
    void gradientForClassification() {
        checker.check("type: 'SoftmaxWithLoss' bottom: 'x' bottom: 'label' top: 'loss'",
                gaussian(Shape.of(4, 5), 2.0, 1), labels(Shape.of(4), 5, 2));
    }

    @Test
    void gradientOverSpatialPositionsWithIgnoredLabels() {
        Tensor lab = labels(Shape.of(2, 1, 2, 3), 3, 4);
        lab.hostData()[1] = 255;
        lab.hostData()[7] = 255;
        for (String norm : List.of("FULL", "VALID", "BATCH_SIZE", "NONE")) {
            checker.check("type: 'SoftmaxWithLoss' bottom: 'x' bottom: 'label' top: 'loss' "
                    + "loss_param { ignore_label: 255 normalization: " + norm + " }",
                    gaussian(Shape.of(2, 3, 2, 3), 1.0, 3), lab);
        }
    }

    @Test
    void gradientWithProbabilitiesAsSecondTop() {
        // The probabilities are an output to look at; as in Caffe, only the loss has a gradient.
        new GradientChecker(backend).onlyTop(0).check("type: 'SoftmaxWithLoss' bottom: 'x' bottom: 'label' top: 'loss' top: 'prob'",
                gaussian(Shape.of(3, 4), 1.0, 5), labels(Shape.of(3), 4, 6));
    }

    /** Two samples over two classes with probabilities (1/4, 3/4), labels 1 and 0; the second maybe ignored. */
    private double loss(String lossParam) {
        Layer layer = GradientChecker.layer("type: 'SoftmaxWithLoss' bottom: 'x' bottom: 'label' top: 'loss' "
                + lossParam);
        float ln3 = (float) Math.log(3);
        Tensor x = Tensor.wrap(Shape.of(2, 2), new float[] {0, ln3, 0, ln3});
        Tensor label = Tensor.wrap(Shape.of(2), new float[] {1, lossParam.contains("ignore") ? 7 : 0});
        layer.reshape(List.of(x.shape(), label.shape()));
        Tensor top = Tensor.zeros(Shape.of());
        layer.forward(backend, Phase.TRAIN, List.of(x, label), List.of(top));
        return top.hostData()[0];
    }

    @Test
    void normalisationModes() {
        double l1 = -Math.log(0.75);
        double l2 = -Math.log(0.25);
        assertEquals((l1 + l2) / 2, loss(""), TOL);
        assertEquals(l1 / 1, loss("loss_param { ignore_label: 7 }"), TOL, "VALID counts labelled samples");
        assertEquals(l1 / 2, loss("loss_param { ignore_label: 7 normalization: FULL }"), TOL);
        assertEquals(l1 / 2, loss("loss_param { ignore_label: 7 normalization: BATCH_SIZE }"), TOL);
        assertEquals(l1, loss("loss_param { ignore_label: 7 normalization: NONE }"), TOL);
        assertEquals(l1 / 2, loss("loss_param { ignore_label: 7 normalize: false }"), TOL, "legacy: BATCH_SIZE");
        assertEquals(l1, loss("loss_param { ignore_label: 7 normalize: true }"), TOL, "legacy: VALID");
    }

    @Test
    void labelOutsideTheClassesNamesLayerAndValue() {
        var e = assertThrows(NetDefinitionException.class, () -> loss("name: 'lossy' loss_param { ignore_label: 9 }"));
        assertTrue(e.getMessage().contains("lossy") && e.getMessage().contains("7.0"), e.getMessage());
    }
}

package org.cortado.layers;

import static org.cortado.layers.LayerRun.assertClose;
import static org.cortado.testing.GradientChecker.gaussian;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.cortado.backend.cpu.CpuBackend;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;
import org.cortado.testing.GradientChecker;
import org.junit.jupiter.api.Test;

class BiasLayerTest {
    private final GradientChecker checker = new GradientChecker(new CpuBackend(2));

    @Test
    void perChannelBiasFromABottom() {
        Tensor x = gaussian(Shape.of(2, 3, 2, 2), 1.0, 1);
        Tensor b = gaussian(Shape.of(3), 1.0, 2);
        double[] want = new double[x.count()];
        for (int i = 0; i < want.length; i++) {
            want[i] = x.hostData()[i] + (double) b.hostData()[(i / 4) % 3];
        }
        assertClose("Bias", want, LayerRun.top("type: 'Bias' bottom: 'x' bottom: 'b' top: 'y'", x, b));
    }

    @Test
    void learnedBiasStartsAtItsConstantFiller() {
        Tensor x = gaussian(Shape.of(2, 3, 4), 1.0, 3);
        Layer layer = LayerRun.setUp("type: 'Bias' bottom: 'x' top: 'y' bias_param { axis: 1 num_axes: 2 "
                + "filler { type: 'constant' value: 0.5 } }", x);
        assertEquals(Shape.of(3, 4), layer.params().get(0).shape());
        double[] want = LayerRun.map(x, v -> v + 0.5);
        assertClose("Bias", want, LayerRun.forward(layer, Phase.TEST, x).get(0));
    }

    @Test
    void gradients() {
        checker.check("type: 'Bias' bottom: 'x' top: 'y'", gaussian(Shape.of(2, 3, 2, 2), 1.0, 4));
        checker.check("type: 'Bias' bottom: 'x' bottom: 'b' top: 'y' bias_param { axis: 2 }",
                gaussian(Shape.of(2, 2, 3, 2), 1.0, 5), gaussian(Shape.of(3, 2), 1.0, 6));
        checker.check("type: 'Bias' bottom: 'x' top: 'y' bias_param { num_axes: 0 }", gaussian(Shape.of(2, 3), 1, 7));
        checker.check("type: 'Bias' bottom: 'x' top: 'y' bias_param { axis: 0 num_axes: -1 }",
                gaussian(Shape.of(2, 3), 1, 8));
    }
}

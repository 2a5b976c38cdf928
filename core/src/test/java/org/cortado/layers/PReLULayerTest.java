package org.cortado.layers;

import static org.cortado.layers.LayerRun.assertClose;
import static org.cortado.testing.GradientChecker.gaussian;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.cortado.backend.cpu.CpuBackend;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;
import org.cortado.testing.GradientChecker;
import org.junit.jupiter.api.Test;

class PReLULayerTest {
    private final GradientChecker checker = new GradientChecker(new CpuBackend(2)).kink(0, GradientChecker.STEP);


    @Test
    void perChannelSlopesStartAtCaffesDefaultAndMatchTheFormula() {
        Tensor x = gaussian(Shape.of(2, 3, 2, 5), 1.0, 1);
        Layer layer = LayerRun.setUp("type: 'PReLU' bottom: 'x' top: 'y'", x);
        assertEquals(Shape.of(3), layer.params().get(0).shape());
        assertArrayEquals(new float[] {0.25f, 0.25f, 0.25f}, layer.params().get(0).data().hostData());
        float[] slope = {0.1f, -0.5f, 2f};
        System.arraycopy(slope, 0, layer.params().get(0).data().hostData(), 0, 3);
        assertClose("PReLU", NaiveLayers.prelu(x, slope, 3, 10, false), LayerRun.forward(layer, Phase.TEST, x).get(0));
    }

    @Test
    void sharedSlopeIsOneScalar() {
        Tensor x = gaussian(Shape.of(2, 4, 3), 1.0, 2);
        Layer layer = LayerRun.setUp("type: 'PReLU' bottom: 'x' top: 'y' prelu_param { channel_shared: true "
                + "filler { type: 'constant' value: 0.6 } }", x);
        assertEquals(Shape.of(), layer.params().get(0).shape());
        assertClose("PReLU shared", NaiveLayers.prelu(x, new float[] {0.6f}, 1, 12, true),
                LayerRun.forward(layer, Phase.TEST, x).get(0));
    }

    @Test
    void gradientsOfInputAndSlopes() {
        checker.check("type: 'PReLU' bottom: 'x' top: 'y'", gaussian(Shape.of(2, 3, 3, 4), 1.0, 3));
        checker.check("type: 'PReLU' bottom: 'x' top: 'y' prelu_param { channel_shared: true }",
                gaussian(Shape.of(3, 2, 5), 1.0, 4));
        checker.check("type: 'PReLU' bottom: 'x' top: 'y'", gaussian(Shape.of(4, 3), 1.0, 5));
    }

    @Test
    void bottomNeedsTwoAxes() {
        var e = assertThrows(NetDefinitionException.class,
                () -> LayerRun.setUp("name: 'p' type: 'PReLU' bottom: 'x' top: 'y'", gaussian(Shape.of(5), 1, 6)));
        assertTrue(e.getMessage().contains("'p' (PReLU)") && e.getMessage().contains("2 axes"), e.getMessage());
    }
}

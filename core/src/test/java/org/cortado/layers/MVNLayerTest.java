package org.cortado.layers;

import static org.cortado.layers.LayerRun.assertClose;
import static org.cortado.testing.GradientChecker.gaussian;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.cortado.backend.cpu.CpuBackend;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;
import org.cortado.testing.GradientChecker;
import org.junit.jupiter.api.Test;

class MVNLayerTest {
    private final GradientChecker checker = new GradientChecker(new CpuBackend(2));


    @Test
    void perChannelAndAcrossChannels() {
        Tensor x = gaussian(Shape.of(2, 3, 4, 5), 2.0, 1);
        assertClose("MVN", NaiveLayers.mvn(x, 20, true, 1e-9), LayerRun.top("type: 'MVN' bottom: 'x' top: 'y'", x),
                1e-5);
        assertClose("MVN across", NaiveLayers.mvn(x, 60, true, 0.1),
                LayerRun.top("type: 'MVN' bottom: 'x' top: 'y' mvn_param { across_channels: true eps: 0.1 }", x),
                1e-5);
        assertClose("MVN mean only", NaiveLayers.mvn(x, 20, false, 0),
                LayerRun.top("type: 'MVN' bottom: 'x' top: 'y' mvn_param { normalize_variance: false }", x), 1e-5);
    }

    @Test
    void twoAxesGiveCaffesFourAxisTop() {
        Tensor x = gaussian(Shape.of(3, 4), 1.0, 2);
        Tensor y = LayerRun.top("type: 'MVN' bottom: 'x' top: 'y' mvn_param { across_channels: true }", x);
        assertEquals(Shape.of(3, 4, 1, 1), y.shape());
        assertClose("MVN (N, C)", NaiveLayers.mvn(x, 4, true, 1e-9), y, 1e-5);
        assertThrows(NetDefinitionException.class,
                () -> LayerRun.top("type: 'MVN' bottom: 'x' top: 'y'", gaussian(Shape.of(1, 2, 2, 2, 2), 1, 3)));
    }

    @Test
    void gradients() {
        checker.check("type: 'MVN' bottom: 'x' top: 'y'", gaussian(Shape.of(2, 3, 2, 3), 1.0, 4));
        checker.check("type: 'MVN' bottom: 'x' top: 'y' mvn_param { across_channels: true }",
                gaussian(Shape.of(2, 2, 3, 2), 1.0, 5));
        checker.check("type: 'MVN' bottom: 'x' top: 'y' mvn_param { normalize_variance: false }",
                gaussian(Shape.of(2, 3, 2, 2), 1.0, 6));
    }
}

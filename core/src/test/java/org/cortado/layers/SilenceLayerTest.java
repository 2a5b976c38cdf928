package org.cortado.layers;

import static org.cortado.testing.GradientChecker.gaussian;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;
import org.junit.jupiter.api.Test;

class SilenceLayerTest {
    @Test
    void hasNoTopsAndZeroGradients() {
        Tensor a = gaussian(Shape.of(2, 3), 1.0, 1);
        Tensor b = gaussian(Shape.of(4), 1.0, 2);
        Layer silence = LayerRun.setUp("type: 'Silence' bottom: 'a' bottom: 'b'", a, b);
        assertEquals(List.of(), LayerRun.forward(silence, Phase.TRAIN, a, b));
        Tensor da = gaussian(a.shape(), 1.0, 3);
        silence.backward(LayerRun.CPU, List.of(a, b), List.of(), List.of(), java.util.Arrays.asList(da, null));
        assertArrayEquals(new float[6], da.hostData());
    }
}

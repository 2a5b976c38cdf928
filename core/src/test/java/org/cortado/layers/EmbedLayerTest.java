package org.cortado.layers;

import static org.cortado.layers.LayerRun.assertClose;
import static org.cortado.testing.GradientChecker.labels;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.cortado.backend.cpu.CpuBackend;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;
import org.cortado.testing.GradientChecker;
import org.junit.jupiter.api.Test;

class EmbedLayerTest {
    private static final String DEF = "name: 'emb' type: 'Embed' bottom: 'x' top: 'y' embed_param { num_output: 4 "
            + "input_dim: 6 }";
    private final CpuBackend cpu = new CpuBackend(2);
    private final GradientChecker checker = new GradientChecker(cpu);

    @Test
    void looksUpRowsAndAddsTheBias() {
        Tensor x = labels(Shape.of(2, 3), 6, 1);
        Layer layer = checker.setUp(GradientChecker.layer(DEF), java.util.List.of(x), 1.0);
        Tensor y = LayerRun.forward(layer, Phase.TEST, x).get(0);
        assertEquals(Shape.of(2, 3, 4), y.shape());
        float[] w = layer.params().get(0).data().hostData();
        float[] b = layer.params().get(1).data().hostData();
        double[] want = new double[24];
        for (int m = 0; m < 6; m++) {
            for (int j = 0; j < 4; j++) {
                want[m * 4 + j] = w[(int) x.hostData()[m] * 4 + j] + (double) b[j];
            }
        }
        assertClose("Embed", want, y);
    }

    @Test
    void gradientsOfWeightsAndBias() {
        Tensor x = labels(Shape.of(7), 6, 2);
        x.hostData()[3] = x.hostData()[5];
        checker.check(DEF, x);
        checker.check("type: 'Embed' bottom: 'x' top: 'y' embed_param { num_output: 3 input_dim: 2 bias_term: false }",
                labels(Shape.of(2, 2), 2, 3));
    }

    @Test
    void anIndexOutsideTheTableNamesLayerPositionAndValue() {
        Tensor x = Tensor.wrap(Shape.of(3), new float[] {1, 6, 2});
        var e = assertThrows(NetDefinitionException.class, () -> LayerRun.top(DEF, x));
        assertTrue(e.getMessage().startsWith("layer 'emb' (Embed): input 6.0 at position 1"), e.getMessage());
        Tensor fraction = Tensor.wrap(Shape.of(2), new float[] {1, 0.5f});
        assertThrows(NetDefinitionException.class, () -> LayerRun.top(DEF, fraction));
        assertThrows(NetDefinitionException.class, () -> GradientChecker.layer("type: 'Embed' bottom: 'x' top: 'y' "
                + "embed_param { num_output: 4 }"));
    }
}

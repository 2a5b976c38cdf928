package org.cortado.layers;

import static org.cortado.testing.GradientChecker.gaussian;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;
import org.junit.jupiter.api.Test;

class ArgMaxLayerTest {

    @Test
    void topKPerSampleWithValuesAndTiesToTheLargerIndex() {
        Tensor x = gaussian(Shape.of(3, 2, 5), 1.0, 1);
        x.hostData()[2] = 9f;
        x.hostData()[7] = 9f;
        Tensor y = LayerRun.top("type: 'ArgMax' bottom: 'x' top: 'y' argmax_param { top_k: 4 out_max_val: true }", x);
        assertEquals(Shape.of(3, 2, 4), y.shape());
        for (int n = 0; n < 3; n++) {
            float[] row = java.util.Arrays.copyOfRange(x.hostData(), n * 10, n * 10 + 10);
            List<Integer> want = NaiveLayers.argMaxOrder(row);
            for (int j = 0; j < 4; j++) {
                assertEquals(want.get(j), (int) y.hostData()[n * 8 + j], "index " + j + " of sample " + n);
                assertEquals(row[want.get(j)], y.hostData()[n * 8 + 4 + j]);
            }
        }
        assertEquals(7f, y.hostData()[0]);
        assertEquals(2f, y.hostData()[1]);
        Tensor indices = LayerRun.top("type: 'ArgMax' bottom: 'x' top: 'y'", x);
        assertEquals(Shape.of(3, 1, 1), indices.shape());
    }

    @Test
    void alongAnAxis() {
        Tensor x = gaussian(Shape.of(2, 4, 3), 1.0, 2);
        Tensor idx = LayerRun.top("type: 'ArgMax' bottom: 'x' top: 'y' argmax_param { axis: 1 top_k: 2 }", x);
        Tensor val = LayerRun.top("type: 'ArgMax' bottom: 'x' top: 'y' argmax_param { axis: 1 top_k: 2 "
                + "out_max_val: true }", x);
        assertEquals(Shape.of(2, 2, 3), idx.shape());
        for (int n = 0; n < 2; n++) {
            for (int w = 0; w < 3; w++) {
                float[] column = new float[4];
                for (int c = 0; c < 4; c++) {
                    column[c] = x.hostData()[(n * 4 + c) * 3 + w];
                }
                List<Integer> want = NaiveLayers.argMaxOrder(column);
                for (int j = 0; j < 2; j++) {
                    assertEquals(want.get(j), (int) idx.hostData()[(n * 2 + j) * 3 + w]);
                    assertEquals(column[want.get(j)], val.hostData()[(n * 2 + j) * 3 + w]);
                }
            }
        }
    }

    @Test
    void topKBeyondTheAxisAndBackwardAreRefused() {
        Tensor x = gaussian(Shape.of(2, 3), 1.0, 3);
        var e = assertThrows(NetDefinitionException.class, () -> LayerRun.top("name: 'a' type: 'ArgMax' bottom: 'x' "
                + "top: 'y' argmax_param { top_k: 4 }", x));
        assertTrue(e.getMessage().startsWith("layer 'a' (ArgMax)"), e.getMessage());
        Layer a = LayerRun.setUp("name: 'a' type: 'ArgMax' bottom: 'x' top: 'y'", x);
        assertThrows(NetDefinitionException.class, () -> a.backward(LayerRun.CPU, List.of(x), List.of(x), List.of(x),
                java.util.Arrays.asList((Tensor) null)));
    }
}

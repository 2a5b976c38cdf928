package org.cortado.layers;

import static org.cortado.testing.GradientChecker.gaussian;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.cortado.backend.cpu.CpuBackend;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;
import org.cortado.testing.GradientChecker;
import org.junit.jupiter.api.Test;

class SliceLayerTest {
    private final GradientChecker checker = new GradientChecker(new CpuBackend(2));

    /** Element {@code (n, c, r)} of a {@code (N, C, R)} tensor. */
    private static float at(Tensor t, int n, int c, int r) {
        Shape s = t.shape();
        return t.hostData()[(n * s.dim(1) + c) * s.count(2, s.rank()) + r];
    }

    @Test
    void slicePointsCutTheChannelsInOrder() {
        Tensor x = gaussian(Shape.of(2, 6, 2, 3), 1.0, 1);
        Layer slice = LayerRun.setUp("type: 'Slice' bottom: 'x' top: 'a' top: 'b' top: 'c' "
                + "slice_param { slice_point: 1 slice_point: 4 }", x);
        List<Tensor> tops = LayerRun.forward(slice, Phase.TEST, x);
        int[] from = {0, 1, 4};
        int[] size = {1, 3, 2};
        for (int t = 0; t < 3; t++) {
            assertEquals(Shape.of(2, size[t], 2, 3), tops.get(t).shape());
            for (int n = 0; n < 2; n++) {
                for (int c = 0; c < size[t]; c++) {
                    for (int r = 0; r < 6; r++) {
                        assertEquals(at(x, n, from[t] + c, r), at(tops.get(t), n, c, r));
                    }
                }
            }
        }
    }

    @Test
    void equalPartsOnAnotherAxisAndTheLegacySliceDim() {
        Tensor x = gaussian(Shape.of(4, 3), 1.0, 2);
        List<Tensor> byAxis = LayerRun.forward(LayerRun.setUp("type: 'Slice' bottom: 'x' top: 'a' top: 'b' "
                + "slice_param { axis: 0 }", x), Phase.TEST, x);
        List<Tensor> byDim = LayerRun.forward(LayerRun.setUp("type: 'Slice' bottom: 'x' top: 'a' top: 'b' "
                + "slice_param { slice_dim: 0 }", x), Phase.TEST, x);
        assertArrayEquals(java.util.Arrays.copyOfRange(x.hostData(), 6, 12), byAxis.get(1).hostData());
        assertArrayEquals(byAxis.get(1).hostData(), byDim.get(1).hostData());
    }

    @Test
    void gradient() {
        checker.check("type: 'Slice' bottom: 'x' top: 'a' top: 'b' slice_param { slice_point: 2 }",
                gaussian(Shape.of(2, 5, 2, 2), 1.0, 3));
        checker.check("type: 'Slice' bottom: 'x' top: 'a' top: 'b' top: 'c' slice_param { axis: -1 }",
                gaussian(Shape.of(2, 3, 6), 1.0, 4));
    }

    @Test
    void refusesWhatCaffeRefuses() {
        Tensor x = gaussian(Shape.of(2, 5), 1.0, 5);
        for (String bad : List.of("slice_param { slice_point: 2 slice_point: 2 }",
                "slice_param { slice_point: 5 }", "slice_param { }", "slice_param { axis: 1 slice_dim: 1 }")) {
            var e = assertThrows(NetDefinitionException.class, () -> LayerRun.forward(LayerRun.setUp(
                    "name: 's' type: 'Slice' bottom: 'x' top: 'a' top: 'b' " + bad, x), Phase.TEST, x), bad);
            assertTrue(e.getMessage().startsWith("layer 's' (Slice)"), e.getMessage());
        }
    }
}

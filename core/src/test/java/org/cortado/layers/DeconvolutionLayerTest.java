package org.cortado.layers;

import static org.cortado.layers.LayerRun.assertClose;
import static org.cortado.testing.GradientChecker.gaussian;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.cortado.backend.cpu.CpuBackend;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;
import org.cortado.testing.GradientChecker;
import org.junit.jupiter.api.Test;

class DeconvolutionLayerTest {
    private final CpuBackend cpu = new CpuBackend(2);
    private final GradientChecker checker = new GradientChecker(cpu);


    /** {@code stride} and {@code pad} as (h, w). */
    private void compare(String def, Shape in, Shape expected, int[] stride, int[] pad, int dil, int group) {
        Tensor x = gaussian(in, 1.0, 1);
        Layer layer = checker.setUp(GradientChecker.layer(def), java.util.List.of(x), 0.5);
        Tensor y = LayerRun.forward(layer, Phase.TEST, x).get(0);
        assertEquals(expected, y.shape());
        Tensor bias = layer.params().size() > 1 ? layer.params().get(1).data() : null;
        assertClose(def, NaiveLayers.deconvolution(x, layer.params().get(0).data(), bias, stride, pad, dil, group,
                expected), y, 1e-5);
    }

    @Test
    void upsamplingAsInFcnNets() {
        // kernel 4, stride 2, pad 1: each side doubles, 2 (H - 1) + 4 - 2 = 2H.
        compare("type: 'Deconvolution' bottom: 'x' top: 'y' convolution_param { num_output: 3 kernel_size: 4 "
                + "stride: 2 pad: 1 }", Shape.of(2, 2, 3, 4), Shape.of(2, 3, 6, 8), new int[] {2, 2},
                new int[] {1, 1}, 1, 1);
    }

    @Test
    void groupsDilationAndNoBias() {
        compare("type: 'Deconvolution' bottom: 'x' top: 'y' convolution_param { num_output: 4 kernel_size: 3 "
                + "stride: 3 dilation: 2 group: 2 bias_term: false }", Shape.of(1, 4, 3, 2), Shape.of(1, 4, 11, 8),
                new int[] {3, 3}, new int[] {0, 0}, 2, 2);
        compare("type: 'Deconvolution' bottom: 'x' top: 'y' convolution_param { num_output: 2 kernel_h: 2 "
                + "kernel_w: 3 stride_h: 1 stride_w: 2 pad_h: 1 }", Shape.of(2, 3, 4, 3), Shape.of(2, 2, 3, 7),
                new int[] {1, 2}, new int[] {1, 0}, 1, 1);
    }

    @Test
    void gradientsOfInputWeightsAndBias() {
        checker.check("type: 'Deconvolution' bottom: 'x' top: 'y' convolution_param { num_output: 3 kernel_size: 3 "
                + "stride: 2 pad: 1 }", gaussian(Shape.of(2, 2, 3, 3), 1.0, 2));
        checker.check("type: 'Deconvolution' bottom: 'x' top: 'y' convolution_param { num_output: 4 kernel_size: 2 "
                + "stride: 2 group: 2 }", gaussian(Shape.of(1, 2, 2, 3), 1.0, 3));
    }

    @Test
    void errorsNameTheDeconvolution() {
        var e = assertThrows(NetDefinitionException.class, () -> GradientChecker.layer("name: 'up' type: "
                + "'Deconvolution' bottom: 'x' top: 'y' convolution_param { kernel_size: 2 }"));
        assertTrue(e.getMessage().startsWith("layer 'up' (Deconvolution): "), e.getMessage());
        var small = assertThrows(NetDefinitionException.class, () -> LayerRun.top("name: 'up' type: 'Deconvolution' "
                + "bottom: 'x' top: 'y' convolution_param { num_output: 1 kernel_size: 1 pad: 1 }",
                gaussian(Shape.of(1, 1, 1, 1), 1.0, 4)));
        assertTrue(small.getMessage().startsWith("layer 'up' (Deconvolution): output of -1 x -1"), small.getMessage());
    }
}

package org.cortado.layers;

import static org.cortado.testing.GradientChecker.gaussian;

import org.cortado.backend.cpu.CpuBackend;
import org.cortado.tensor.Shape;
import org.cortado.testing.GradientChecker;
import org.junit.jupiter.api.Test;

class ConvolutionLayerTest {
    private final GradientChecker checker = new GradientChecker(new CpuBackend(2));

    private void check(String convParam, Shape input) {
        checker.check("type: 'Convolution' bottom: 'x' top: 'y' convolution_param { " + convParam + " }",
                gaussian(input, 1.0, 7));
    }

    @Test
    void plainKernelOddSizes() {
        check("num_output: 3 kernel_size: 3", Shape.of(2, 3, 6, 5));
    }

    @Test
    void paddingAndStride() {
        check("num_output: 2 kernel_size: 3 pad: 1 stride: 2", Shape.of(1, 2, 7, 6));
    }

    @Test
    void separateHeightAndWidth() {
        check("num_output: 2 kernel_h: 3 kernel_w: 2 pad_h: 2 pad_w: 0 stride_h: 1 stride_w: 2", Shape.of(2, 2, 5, 5));
    }

    @Test
    void groups() {
        check("num_output: 4 kernel_size: 3 group: 2 pad: 1", Shape.of(2, 4, 5, 4));
    }

    @Test
    void dilation() {
        check("num_output: 2 kernel_size: 3 dilation: 2 pad: 1", Shape.of(1, 2, 7, 7));
    }

    @Test
    void pointwiseWithGroupsTakesTheGemmPath() {
        check("num_output: 4 kernel_size: 1 group: 2", Shape.of(2, 4, 3, 3));
    }

    @Test
    void pointwiseWithPaddingAsSqueezeNetsConvFinal() {
        check("num_output: 2 kernel_size: 1 pad: 1", Shape.of(2, 3, 3, 2));
    }

    @Test
    void withoutBiasAndOnOnePixel() {
        check("num_output: 3 kernel_size: 1 bias_term: false", Shape.of(1, 2, 1, 1));
    }

    @Test
    void frozenWeightsLeaveTheirGradientUntouchedAndStillPassDataGradients() {
        checker.check("type: 'Convolution' bottom: 'x' top: 'y' param { lr_mult: 0 } param { lr_mult: 1 } "
                + "convolution_param { num_output: 2 kernel_size: 3 }", gaussian(Shape.of(1, 2, 4, 4), 1.0, 3));
    }
}

package org.cortado.layers;

import static org.cortado.testing.GradientChecker.distinct;
import static org.cortado.testing.GradientChecker.gaussian;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.cortado.backend.cpu.CpuBackend;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;
import org.cortado.testing.GradientChecker;
import org.junit.jupiter.api.Test;

class PoolingLayerTest {
    /** Inputs of MAX pooling are spaced 5 steps apart, so that no perturbation changes a window's winner. */
    private static final double MAX_SPACING = 5 * GradientChecker.STEP;
    private final GradientChecker checker = new GradientChecker(new CpuBackend(2));

    private void max(String poolParam, Shape in) {
        checker.check("type: 'Pooling' bottom: 'x' top: 'y' pooling_param { pool: MAX " + poolParam + " }",
                distinct(in, MAX_SPACING, 11));
    }

    private void ave(String poolParam, Shape in) {
        checker.check("type: 'Pooling' bottom: 'x' top: 'y' pooling_param { pool: AVE " + poolParam + " }",
                gaussian(in, 1.0, 12));
    }

    /** A plane past 2^24 positions cannot be trained through: its argmax mask (floats) would name the wrong input. */
    @Test
    void trainingRefusesAPlaneTooLargeForTheMask() {
        Layer layer = GradientChecker.layer("name: 'wide' type: 'Pooling' bottom: 'x' top: 'y' pooling_param { pool: MAX "
                + "kernel_h: 1 kernel_w: 2 stride_h: 1 stride_w: 2 }");
        Shape in = Shape.of(1, 1, 1, (1 << 24) + 2);
        List<Shape> out = layer.reshape(List.of(in));
        Tensor x = Tensor.zeros(in);
        Tensor y = Tensor.zeros(out.get(0));
        NetDefinitionException e = assertThrows(NetDefinitionException.class,
                () -> layer.forward(new CpuBackend(1), Phase.TRAIN, List.of(x), List.of(y)));
        assertTrue(e.getMessage().contains("wide") && e.getMessage().contains("1x16777218"), e.getMessage());
        layer.forward(new CpuBackend(1), Phase.TEST, List.of(x), List.of(y));
    }

    @Test
    void maxCeilRoundingLeavesAPartialLastWindow() {
        // SqueezeNet's pool1 on an odd size: (8 - 3) / 2 rounds up to a last window over two columns.
        max("kernel_size: 3 stride: 2", Shape.of(2, 2, 8, 7));
    }

    @Test
    void maxWithPadding() {
        max("kernel_size: 3 stride: 2 pad: 1", Shape.of(1, 3, 5, 6));
    }

    @Test
    void maxSeparateHeightAndWidth() {
        max("kernel_h: 2 kernel_w: 3 stride_h: 1 stride_w: 2", Shape.of(2, 1, 4, 7));
    }

    @Test
    void maxGlobal() {
        max("global_pooling: true", Shape.of(2, 3, 3, 4));
    }

    @Test
    void aveWithPaddingCountsItInTheDivisor() {
        ave("kernel_size: 3 stride: 2 pad: 1", Shape.of(2, 2, 6, 5));
    }

    @Test
    void aveCeilRounding() {
        ave("kernel_size: 3 stride: 2", Shape.of(1, 2, 8, 8));
    }

    @Test
    void aveGlobalAsSqueezeNetsPoolFinal() {
        ave("global_pooling: true", Shape.of(2, 2, 5, 5));
    }

    @Test
    void aveOnePixel() {
        ave("kernel_size: 1 stride: 1", Shape.of(1, 1, 1, 1));
    }
}

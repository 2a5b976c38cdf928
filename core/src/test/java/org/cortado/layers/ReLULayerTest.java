package org.cortado.layers;

import static org.cortado.testing.GradientChecker.gaussian;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.cortado.backend.cpu.CpuBackend;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;
import org.cortado.testing.GradientChecker;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class ReLULayerTest {
    /** Caffe's ReLU test: kink at 0, range 0.01 (the step). */
    private final GradientChecker checker = new GradientChecker(new CpuBackend(2)).kink(0, GradientChecker.STEP);

    @Test
    void plain() {
        checker.check("type: 'ReLU' bottom: 'x' top: 'y'", gaussian(Shape.of(2, 3, 4, 5), 1.0, 1));
    }

    @Test
    void leaky() {
        checker.check("type: 'ReLU' bottom: 'x' top: 'y' relu_param { negative_slope: 0.1 }",
                gaussian(Shape.of(1, 1, 3, 7), 1.0, 2));
    }

    /**
     * The backward pass written over its own top gradient ({@link ReLULayer#backwardInPlace}, which nets use for
     * Caffe's in-place ReLUs) gives the same bits as into a tensor of its own; zeros and both signs included.
     */
    @ParameterizedTest
    @ValueSource(floats = {0f, 0.1f})
    void backwardInPlaceGivesTheSameBits(float slope) {
        CpuBackend cpu = new CpuBackend(2);
        Tensor x = gaussian(Shape.of(3, 5, 7, 9), 1.0, 3);
        x.hostData()[0] = 0f;
        x.hostData()[1] = -0f;
        Tensor dy = gaussian(x.shape(), 1.0, 4);
        Tensor dx = cpu.allocate(x.shape());
        cpu.reluBackward(x, dy, dx, slope);
        cpu.reluBackward(x, dy, dy, slope);
        assertArrayEquals(dx.hostData(), dy.hostData());
        assertTrue(LayerForwardTest.layer("name: 'r' type: 'ReLU' bottom: 'x' top: 'x'").backwardInPlace());
    }
}

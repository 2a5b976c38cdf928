package org.cortado.testing;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.cortado.backend.Backend;
import org.cortado.backend.cpu.CpuBackend;
import org.cortado.caffe.proto.Caffe.LayerParameter;
import org.cortado.layers.Layer;
import org.cortado.layers.LayerConfig;
import org.cortado.layers.LayerType;
import org.cortado.layers.Phase;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

/** The checker itself: it passes a correct backward and catches a wrong one. */
class GradientCheckerTest {
    /** {@code y = x^2} elementwise, with a backward that is off by {@code error} (0 for the correct one). */
    private static final class Square extends Layer {
        private final float error;

        Square(float error) {
            super(new LayerConfig("square", LayerType.TANH, List.of("x"), List.of("y"), List.of(), List.of(),
                    LayerParameter.getDefaultInstance()), 1, 1, 1, 1);
            this.error = error;
        }

        @Override
        public List<Shape> reshape(List<Shape> bottomShapes) {
            return List.of(bottomShapes.get(0));
        }

        @Override
        public void forward(Backend backend, Phase phase, List<Tensor> bottoms, List<Tensor> tops) {
            backend.multiply(bottoms.get(0), bottoms.get(0), tops.get(0));
        }

        @Override
        public void backward(Backend backend, List<Tensor> bottoms, List<Tensor> tops, List<Tensor> topDiffs,
                             List<Tensor> bottomDiffs) {
            backend.multiply(topDiffs.get(0), bottoms.get(0), bottomDiffs.get(0));
            backend.axpby(1f, bottomDiffs.get(0), 1f + error, bottomDiffs.get(0));
        }
    }

    private final GradientChecker checker = new GradientChecker(new CpuBackend(1));
    private final List<Tensor> input = List.of(GradientChecker.gaussian(Shape.of(3, 4), 1.0, 1));

    @Test
    void acceptsTheRightGradient() {
        checker.check(new Square(0f), input);
    }

    @Test
    void catchesAGradientOffByOnePercent() {
        AssertionFailedError e = assertThrows(AssertionFailedError.class,
                () -> checker.check(new Square(0.02f), input));
        assertTrue(e.getMessage().contains("mismatch"), e.getMessage());
    }

    @Test
    void refusesToPassWhenEverythingWasSkipped() {
        // A kink range wider than every input skips them all: that is a failure, not a pass.
        assertThrows(AssertionFailedError.class,
                () -> new GradientChecker(new CpuBackend(1)).kink(0, 100).check(new Square(0f), input));
    }
}

package org.cortado.layers;

import static org.cortado.testing.GradientChecker.gaussian;

import org.cortado.backend.cpu.CpuBackend;
import org.cortado.tensor.Shape;
import org.cortado.testing.GradientChecker;
import org.junit.jupiter.api.Test;

class InnerProductLayerTest {
    private final GradientChecker checker = new GradientChecker(new CpuBackend(2));

    @Test
    void fromImageShapedBottom() {
        checker.check("type: 'InnerProduct' bottom: 'x' top: 'y' inner_product_param { num_output: 3 }",
                gaussian(Shape.of(2, 3, 2, 3), 1.0, 1));
    }

    @Test
    void transposedWeights() {
        checker.check("type: 'InnerProduct' bottom: 'x' top: 'y' inner_product_param { num_output: 4 transpose: true }",
                gaussian(Shape.of(3, 5), 1.0, 2));
    }

    @Test
    void axisTwoKeepsLeadingAxes() {
        checker.check("type: 'InnerProduct' bottom: 'x' top: 'y' inner_product_param { num_output: 2 axis: 2 }",
                gaussian(Shape.of(2, 3, 4), 1.0, 3));
    }

    @Test
    void oneSampleOneOutputNoBias() {
        checker.check("type: 'InnerProduct' bottom: 'x' top: 'y' inner_product_param { num_output: 1 bias_term: false }",
                gaussian(Shape.of(1, 7), 1.0, 4));
    }
}

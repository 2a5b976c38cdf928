package org.cortado.layers;

import static org.cortado.testing.GradientChecker.gaussian;

import org.cortado.backend.cpu.CpuBackend;
import org.cortado.tensor.Shape;
import org.cortado.testing.GradientChecker;
import org.junit.jupiter.api.Test;

class LRNLayerTest {
    private final GradientChecker checker = new GradientChecker(new CpuBackend(2));

    @Test
    void acrossChannelsCaffeNetSettings() {
        checker.check("type: 'LRN' bottom: 'x' top: 'y' lrn_param { local_size: 5 alpha: 0.0001 beta: 0.75 }",
                gaussian(Shape.of(2, 7, 3, 3), 1.0, 1));
    }

    @Test
    void acrossChannelsStrongNormalisation() {
        // A large alpha makes the cross-channel terms of the gradient matter.
        checker.check("type: 'LRN' bottom: 'x' top: 'y' lrn_param { local_size: 3 alpha: 1 beta: 0.75 k: 2 }",
                gaussian(Shape.of(1, 4, 2, 3), 1.0, 2));
    }

    @Test
    void withinChannel() {
        checker.check("type: 'LRN' bottom: 'x' top: 'y' "
                + "lrn_param { local_size: 3 alpha: 1 beta: 0.75 norm_region: WITHIN_CHANNEL }",
                gaussian(Shape.of(2, 2, 5, 4), 1.0, 3));
    }

    @Test
    void withinChannelWindowLargerThanThePlane() {
        checker.check("type: 'LRN' bottom: 'x' top: 'y' "
                + "lrn_param { local_size: 5 alpha: 2 beta: 0.5 norm_region: WITHIN_CHANNEL }",
                gaussian(Shape.of(1, 1, 3, 2), 1.0, 4));
    }
}

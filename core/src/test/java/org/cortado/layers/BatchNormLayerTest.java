package org.cortado.layers;

import static org.cortado.testing.GradientChecker.gaussian;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.cortado.backend.cpu.CpuBackend;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;
import org.cortado.testing.GradientChecker;
import org.junit.jupiter.api.Test;

class BatchNormLayerTest {
    private static final float TOL = 1e-5f;
    private final CpuBackend backend = new CpuBackend(2);
    private final GradientChecker checker = new GradientChecker(backend);

    private Layer withStatistics(String extra, Tensor x) {
        Layer layer = GradientChecker.layer("type: 'BatchNorm' bottom: 'x' top: 'y' " + extra);
        layer.setUp(backend, List.of(x.shape()));
        int c = x.shape().dim(1);
        float[] mean = new float[c];
        float[] var = new float[c];
        for (int i = 0; i < c; i++) {
            mean[i] = 0.5f * i - 0.3f;
            var[i] = 1.5f + i;
        }
        // Stored as sums with scale factor 2, as after training: statistics are blob / 2.
        for (int i = 0; i < c; i++) {
            mean[i] *= 2;
            var[i] *= 2;
        }
        backend.copy(Tensor.wrap(Shape.of(c), mean), layer.params().get(0).data());
        backend.copy(Tensor.wrap(Shape.of(c), var), layer.params().get(1).data());
        backend.copy(Tensor.wrap(Shape.of(1), new float[] {2f}), layer.params().get(2).data());
        return layer;
    }

    @Test
    void batchStatisticsGradient() {
        Tensor x = gaussian(Shape.of(3, 2, 2, 3), 1.0, 1);
        checker.check(withStatistics("", x), List.of(x));
    }

    @Test
    void batchStatisticsOnTwoAxes() {
        Tensor x = gaussian(Shape.of(4, 3), 2.0, 2);
        checker.check(withStatistics("", x), List.of(x));
    }

    @Test
    void storedStatisticsGradient() {
        Tensor x = gaussian(Shape.of(2, 3, 2, 2), 1.0, 3);
        checker.check(withStatistics("batch_norm_param { use_global_stats: true }", x), List.of(x));
    }

    @Test
    void frozenLayerUsesStoredStatisticsInTraining() {
        Tensor x = gaussian(Shape.of(2, 3, 2, 2), 1.0, 4);
        BatchNormLayer layer = (BatchNormLayer) withStatistics("", x);
        layer.setFrozen(true);
        checker.check(layer, List.of(x));
        assertEquals(2f, layer.params().get(2).data().hostData()[0], "a frozen layer leaves its statistics alone");
    }

    @Test
    void trainingNormalisesAndMovesTheAveragesAsCaffe() {
        // Channel 0 holds {1, 2, 3, 6}, channel 1 holds {0, 0, 0, 4}: two samples of two pixels.
        Tensor x = Tensor.wrap(Shape.of(2, 2, 1, 2), new float[] {1, 2, 0, 0, 3, 6, 0, 4});
        Layer layer = withStatistics("batch_norm_param { moving_average_fraction: 0.9 eps: 0 }", x);
        layer.reshape(List.of(x.shape()));
        Tensor y = Tensor.zeros(x.shape());
        layer.forward(backend, Phase.TRAIN, List.of(x), List.of(y));
        // Channel 0: mean 3, biased variance (4 + 1 + 0 + 9) / 4 = 3.5.
        double s0 = Math.sqrt(3.5);
        assertEquals((1 - 3) / s0, y.hostData()[0], TOL);
        assertEquals((6 - 3) / s0, y.hostData()[5], TOL);
        // Channel 1: mean 1, variance (1 + 1 + 1 + 9) / 4 = 3.
        assertEquals((4 - 1) / Math.sqrt(3), y.hostData()[7], TOL);
        float[] meanSum = layer.params().get(0).data().hostData();
        float[] varSum = layer.params().get(1).data().hostData();
        // blob0 = 0.9 * blob0 + mean; blob1 = 0.9 * blob1 + m/(m-1) * var with m = 4; s = 0.9 * 2 + 1.
        assertEquals(0.9f * (2 * -0.3f) + 3f, meanSum[0], TOL);
        assertEquals(0.9f * (2 * 0.2f) + 1f, meanSum[1], TOL);
        assertEquals(0.9f * (2 * 1.5f) + 4f / 3f * 3.5f, varSum[0], TOL);
        assertEquals(0.9f * (2 * 2.5f) + 4f / 3f * 3f, varSum[1], TOL);
        assertEquals(2.8f, layer.params().get(2).data().hostData()[0], TOL);
    }
}

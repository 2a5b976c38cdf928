package org.cortado.layers;

import static org.cortado.testing.GradientChecker.gaussian;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.cortado.backend.CounterRng;
import org.cortado.backend.cpu.CpuBackend;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;
import org.cortado.testing.GradientChecker;
import org.junit.jupiter.api.Test;

class DropoutLayerTest {
    private final CpuBackend backend = new CpuBackend(2);
    private final GradientChecker checker = new GradientChecker(backend);

    @Test
    void gradientThroughAFixedMask() {
        checker.check("type: 'Dropout' bottom: 'x' top: 'y' dropout_param { dropout_ratio: 0.3 }",
                gaussian(Shape.of(2, 3, 4, 5), 1.0, 1));
    }

    @Test
    void inferenceIsTheIdentity() {
        new GradientChecker(backend).phase(Phase.TEST)
                .check("type: 'Dropout' bottom: 'x' top: 'y'", gaussian(Shape.of(3, 4), 1.0, 2));
        Layer layer = GradientChecker.layer("type: 'Dropout' bottom: 'x' top: 'y'");
        Tensor x = gaussian(Shape.of(100), 1.0, 3);
        Tensor y = Tensor.zeros(x.shape());
        layer.reshape(List.of(x.shape()));
        layer.forward(backend, Phase.TEST, List.of(x), List.of(y));
        assertArrayEquals(x.hostData(), y.hostData());
    }

    @Test
    void trainingKeepsOneMinusRatioScaledByItsInverse() {
        float ratio = 0.3f;
        float[] y = run(ratio, 5, 0, 200_000);
        int kept = 0;
        for (float v : y) {
            if (v != 0f) {
                kept++;
                assertEquals(1f / (1f - ratio), v, 0f, "kept values carry Caffe's 1/(1-ratio) scale");
            }
        }
        double fraction = kept / 200_000.0;
        // 5 standard deviations of a binomial proportion at n = 200000: 5 * sqrt(0.21 / 2e5) = 0.0051.
        assertEquals(1 - ratio, fraction, 0.0051);
    }

    @Test
    void eachElementIsCounterRngsDraw() {
        // The mask is computed without a branch; it must still be CounterRng.keep element by element (the GPU's
        // dropout.cu draws the same), at ratios with and without an exact threshold, and at the two ratios that put
        // element 0's draw exactly on the threshold (kept) and one step below it (dropped).
        long seed = CounterRng.derive(11, 2);
        float onThreshold = (CounterRng.bits(seed, 0) >>> 40) * 0x1.0p-24f;
        float[] ratios = {0.5f, 0.3f, 0.9f, onThreshold, onThreshold + 0x1.0p-24f};
        for (float ratio : ratios) {
            float[] y = run(ratio, 11, 2, 50_000);
            for (int i = 0; i < y.length; i++) {
                float expected = CounterRng.keep(seed, i, ratio) ? 1f / (1f - ratio) : 0f;
                assertEquals(expected, y[i], 0f, "ratio " + ratio + ", element " + i);
            }
        }
        assertTrue(run(onThreshold, 11, 2, 1)[0] != 0f, "a draw equal to the threshold is kept");
        assertEquals(0f, run(onThreshold + 0x1.0p-24f, 11, 2, 1)[0], "a draw one below the threshold is dropped");
    }

    @Test
    void masksDependOnlyOnSeedAndStep() {
        assertArrayEquals(run(0.5f, 9, 4, 1000), run(0.5f, 9, 4, 1000));
        assertFalse(Arrays.equals(run(0.5f, 9, 4, 1000), run(0.5f, 9, 5, 1000)));
        assertFalse(Arrays.equals(run(0.5f, 9, 4, 1000), run(0.5f, 10, 4, 1000)));
    }

    @Test
    void stepAdvancesWithEachTrainingForward() {
        Layer layer = dropout(0.5f);
        Tensor x = ones(1000);
        Tensor y = Tensor.zeros(x.shape());
        layer.reshape(List.of(x.shape()));
        layer.setRandomState(9, 4);
        layer.forward(backend, Phase.TRAIN, List.of(x), List.of(y));
        layer.forward(backend, Phase.TRAIN, List.of(x), List.of(y));
        assertArrayEquals(run(0.5f, 9, 5, 1000), y.hostData());
        assertTrue(y.hostData().length > 0);
    }

    private Layer dropout(float ratio) {
        return GradientChecker.layer("type: 'Dropout' bottom: 'x' top: 'y' dropout_param { dropout_ratio: " + ratio
                + " }");
    }

    private static Tensor ones(int n) {
        float[] v = new float[n];
        Arrays.fill(v, 1f);
        return Tensor.wrap(Shape.of(n), v);
    }

    private float[] run(float ratio, long seed, long step, int n) {
        Layer layer = dropout(ratio);
        Tensor x = ones(n);
        Tensor y = Tensor.zeros(x.shape());
        layer.reshape(List.of(x.shape()));
        layer.setRandomState(seed, step);
        layer.forward(backend, Phase.TRAIN, List.of(x), List.of(y));
        return y.hostData();
    }
}

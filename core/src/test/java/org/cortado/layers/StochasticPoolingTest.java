package org.cortado.layers;

import static org.cortado.layers.LayerRun.assertClose;
import static org.cortado.testing.GradientChecker.gaussian;
import static org.cortado.testing.GradientChecker.uniform;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.cortado.backend.cpu.CpuBackend;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;
import org.cortado.testing.GradientChecker;
import org.junit.jupiter.api.Test;

/** STOCHASTIC pooling, as Caffe's GPU kernels define it (its CPU code has none). */
class StochasticPoolingTest {
    private static final String DEF = "name: 'p' type: 'Pooling' bottom: 'x' top: 'y' pooling_param { pool: STOCHASTIC "
            + "kernel_size: 3 stride: 2 }";


    @Test
    void testTimeIsTheActivationWeightedMean() {
        // 6x7 with kernel 3, stride 2: ceil(3/2)+1 = 3 rows, ceil(4/2)+1 = 3 columns, the last clipped.
        Tensor x = uniform(Shape.of(2, 2, 6, 7), -0.5, 2, 1);
        Tensor y = LayerRun.top(DEF, x);
        assertEquals(Shape.of(2, 2, 3, 3), y.shape());
        assertClose("stochastic test", NaiveLayers.stochasticPool(x, 3, 2, 3, 3), y, 1e-5);
    }

    @Test
    void trainingDrawsAnInputOfTheWindowInProportionToIt() {
        // One plane of 2x1 windows holding 1 and 3, many times: the 3 should be drawn about 3/4 of the time.
        int windows = 4000;
        float[] v = new float[2 * windows];
        for (int i = 0; i < windows; i++) {
            v[2 * i] = 1f;
            v[2 * i + 1] = 3f;
        }
        Tensor x = Tensor.wrap(Shape.of(1, 1, 1, 2 * windows), v);
        Layer pool = LayerRun.setUp("type: 'Pooling' bottom: 'x' top: 'y' pooling_param { pool: STOCHASTIC "
                + "kernel_h: 1 kernel_w: 2 stride_h: 1 stride_w: 2 }", x);
        pool.setRandomState(7, 0);
        Tensor y = LayerRun.forward(pool, Phase.TRAIN, x).get(0);
        int threes = 0;
        for (float f : y.hostData()) {
            assertTrue(f == 1f || f == 3f, "drawn " + f);
            threes += f == 3f ? 1 : 0;
        }
        // Binomial(4000, 0.75): standard deviation 27; five of them either way.
        assertEquals(3000, threes, 140);
    }

    @Test
    void trainingGradientGoesToTheDrawnInput() {
        Tensor x = uniform(Shape.of(1, 2, 5, 5), 0.5, 2, 2);
        Layer pool = LayerRun.setUp(DEF, x);
        pool.setRandomState(11, 0);
        Tensor y = LayerRun.forward(pool, Phase.TRAIN, x).get(0);
        Tensor dy = gaussian(y.shape(), 1.0, 3);
        Tensor dx = LayerRun.CPU.allocate(x.shape());
        pool.backward(LayerRun.CPU, List.of(x), List.of(y), List.of(dy), Arrays.asList(dx));
        // Each output's value is one of its window's inputs; that input gets the output's gradient.
        double[] want = new double[x.count()];
        for (int p = 0; p < 2; p++) {
            for (int o = 0; o < 4; o++) {
                int oy = o / 2;
                int ox = o % 2;
                float value = y.hostData()[p * 4 + o];
                int hit = -1;
                for (int yy = oy * 2; yy < oy * 2 + 3 && hit < 0; yy++) {
                    for (int xx = ox * 2; xx < ox * 2 + 3 && hit < 0; xx++) {
                        if (x.hostData()[p * 25 + yy * 5 + xx] == value) {
                            hit = p * 25 + yy * 5 + xx;
                        }
                    }
                }
                assertTrue(hit >= 0, "output " + o + " of plane " + p + " is not an input of its window");
                want[hit] += dy.hostData()[p * 4 + o];
            }
        }
        assertClose("stochastic backward", want, dx);
        // And by finite differences, with Caffe's small step: a draw stays the same under so small a change.
        new GradientChecker(new CpuBackend(2)).step(1e-3).threshold(1e-2).check(DEF, x);
    }

    @Test
    void paddingIsRefused() {
        var e = assertThrows(NetDefinitionException.class, () -> GradientChecker.layer("name: 'p' type: 'Pooling' "
                + "bottom: 'x' top: 'y' pooling_param { pool: STOCHASTIC kernel_size: 3 pad: 1 }"));
        assertTrue(e.getMessage().startsWith("layer 'p' (Pooling): STOCHASTIC pooling takes no padding"),
                e.getMessage());
    }
}

package org.cortado.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.cortado.backend.cpu.CpuBackend;
import org.cortado.caffe.Prototxt;
import org.cortado.caffe.proto.Caffe.LayerParameter;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Forward passes of single layers against naive references written from Caffe's definitions, on small odd shapes
 * (the whole-net reference outputs cover the common cases).
 */
class LayerForwardTest {
    /** Float tolerance for sums of a few terms. */
    static final float TOL = 1e-5f;

    private final CpuBackend cpu = new CpuBackend(2);
    private final Random random = new Random(42);

    static Layer layer(String prototxt) {
        LayerParameter.Builder b = LayerParameter.newBuilder();
        Prototxt.parseText("layer", prototxt, b);
        return LayerFactory.create(b.build());
    }

    Tensor random(int... dims) {
        Shape s = Shape.of(dims);
        float[] d = new float[s.count()];
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) random.nextGaussian();
        }
        return Tensor.wrap(s, d);
    }

    /** Sets up, reshapes and runs {@code layer} on {@code bottoms}; returns its first top. */
    Tensor run(Layer layer, Phase phase, Tensor... bottoms) {
        List<Shape> shapes = new ArrayList<>();
        for (Tensor b : bottoms) {
            shapes.add(b.shape());
        }
        layer.setUp(cpu, shapes);
        List<Shape> topShapes = layer.reshape(shapes);
        List<Tensor> views = layer.topViews(List.of(bottoms), topShapes);
        List<Tensor> tops = new ArrayList<>();
        for (int i = 0; i < topShapes.size(); i++) {
            tops.add(views != null ? views.get(i) : cpu.allocate(topShapes.get(i)));
        }
        layer.forward(cpu, phase, List.of(bottoms), tops);
        return tops.get(0);
    }

    Tensor run(Layer layer, Tensor... bottoms) {
        return run(layer, Phase.TEST, bottoms);
    }

    @Test
    void maxPoolingWithPaddingUsesCaffesCeilRuleAndClipping() {
        // 5x5 input, kernel 3, stride 2, pad 1: ceil((5+2-3)/2)+1 = 3 windows; the last starts at 3 < 5+1.
        Tensor x = random(2, 3, 5, 5);
        Layer pool = layer("name: 'p' type: 'Pooling' bottom: 'x' top: 'y' pooling_param { pool: MAX kernel_size: 3 stride: 2 pad: 1 }");
        Tensor y = run(pool, x);
        assertEquals(Shape.of(2, 3, 3, 3), y.shape());
        assertArrayEquals(naivePool(x, 3, 2, 1, 3, true), y.hostData(), TOL);
    }

    @Test
    void averagePoolingDividesByThePaddedWindow() {
        // 6x6, kernel 3, stride 2, pad 1: ceil((6+2-3)/2)+1 = 4 windows, the last starts at 5 < 6+1 and hangs out.
        Tensor x = random(1, 2, 6, 6);
        Layer pool = layer("name: 'p' type: 'Pooling' bottom: 'x' top: 'y' pooling_param { pool: AVE kernel_size: 3 stride: 2 pad: 1 }");
        Tensor y = run(pool, x);
        assertEquals(Shape.of(1, 2, 4, 4), y.shape());
        assertArrayEquals(naivePool(x, 3, 2, 1, 4, false), y.hostData(), TOL);
    }

    @Test
    void poolingDropsAWindowThatWouldStartInTheRightPadding() {
        // 4x4, kernel 2, stride 2, pad 1: ceil((4+2-2)/2)+1 = 3, and (3-1)*2 = 4 < 4+1 keeps 3;
        // 3x3, kernel 2, stride 2, pad 1: ceil((3+2-2)/2)+1 = 3, but (3-1)*2 = 4 >= 3+1 drops one: 2.
        Layer a = layer("name: 'p' type: 'Pooling' bottom: 'x' top: 'y' pooling_param { pool: MAX kernel_size: 2 stride: 2 pad: 1 }");
        assertEquals(Shape.of(1, 1, 3, 3), a.reshape(List.of(Shape.of(1, 1, 4, 4))).get(0));
        assertEquals(Shape.of(1, 1, 2, 2), a.reshape(List.of(Shape.of(1, 1, 3, 3))).get(0));
        Layer floor = layer("name: 'p' type: 'Pooling' bottom: 'x' top: 'y' pooling_param { pool: MAX kernel_size: 3 stride: 2 round_mode: FLOOR }");
        assertEquals(Shape.of(1, 1, 6, 6), floor.reshape(List.of(Shape.of(1, 1, 14, 14))).get(0));
        Layer global = layer("name: 'p' type: 'Pooling' bottom: 'x' top: 'y' pooling_param { pool: AVE global_pooling: true }");
        Tensor x = random(1, 2, 3, 5);
        Tensor y = run(global, x);
        float sum = 0;
        for (int i = 0; i < 15; i++) {
            sum += x.hostData()[15 + i];
        }
        assertEquals(sum / 15, y.hostData()[1], TOL);
    }

    /** Caffe's pooling_layer.cpp, loop for loop, for square kernels. */
    static float[] naivePool(Tensor x, int k, int s, int pad, int out, boolean max) {
        int n = x.shape().dim(0);
        int c = x.shape().dim(1);
        int h = x.shape().dim(2);
        int w = x.shape().dim(3);
        float[] in = x.hostData();
        float[] y = new float[n * c * out * out];
        for (int p = 0; p < n * c; p++) {
            for (int oy = 0; oy < out; oy++) {
                for (int ox = 0; ox < out; ox++) {
                    int hs = oy * s - pad;
                    int ws = ox * s - pad;
                    int he = Math.min(hs + k, h + pad);
                    int we = Math.min(ws + k, w + pad);
                    int size = (he - hs) * (we - ws);
                    float acc = max ? -Float.MAX_VALUE : 0f;
                    for (int yy = Math.max(hs, 0); yy < Math.min(he, h); yy++) {
                        for (int xx = Math.max(ws, 0); xx < Math.min(we, w); xx++) {
                            float v = in[p * h * w + yy * w + xx];
                            acc = max ? Math.max(acc, v) : acc + v;
                        }
                    }
                    y[(p * out + oy) * out + ox] = max ? acc : acc / size;
                }
            }
        }
        return y;
    }

    @Test
    void lrnAcrossChannelsMatchesTheFormula() {
        Tensor x = random(1, 7, 2, 3);
        Layer lrn = layer("name: 'n' type: 'LRN' bottom: 'x' top: 'y' lrn_param { local_size: 5 alpha: 0.5 beta: 0.75 k: 2 }");
        Tensor y = run(lrn, x);
        float[] in = x.hostData();
        for (int c = 0; c < 7; c++) {
            for (int i = 0; i < 6; i++) {
                double sum = 0;
                for (int q = Math.max(0, c - 2); q <= Math.min(6, c + 2); q++) {
                    sum += in[q * 6 + i] * in[q * 6 + i];
                }
                double expected = in[c * 6 + i] * Math.pow(2 + 0.5 / 5 * sum, -0.75);
                assertEquals(expected, y.hostData()[c * 6 + i], 1e-5);
            }
        }
    }

    @Test
    void lrnWithinChannelAveragesOverTheZeroPaddedSquare() {
        Tensor x = random(1, 2, 4, 5);
        Layer lrn = layer("name: 'n' type: 'LRN' bottom: 'x' top: 'y' lrn_param { local_size: 3 alpha: 0.3 beta: 0.5 norm_region: WITHIN_CHANNEL }");
        Tensor y = run(lrn, x);
        float[] in = x.hostData();
        for (int c = 0; c < 2; c++) {
            for (int r = 0; r < 4; r++) {
                for (int q = 0; q < 5; q++) {
                    double sum = 0;
                    for (int rr = r - 1; rr <= r + 1; rr++) {
                        for (int qq = q - 1; qq <= q + 1; qq++) {
                            if (rr >= 0 && rr < 4 && qq >= 0 && qq < 5) {
                                sum += in[c * 20 + rr * 5 + qq] * in[c * 20 + rr * 5 + qq];
                            }
                        }
                    }
                    double expected = in[c * 20 + r * 5 + q] * Math.pow(1 + 0.3 * sum / 9, -0.5);
                    assertEquals(expected, y.hostData()[c * 20 + r * 5 + q], 1e-5);
                }
            }
        }
    }

    @Test
    void eltwiseSumProdMax() {
        Tensor a = random(2, 3);
        Tensor b = random(2, 3);
        Tensor c = random(2, 3);
        Tensor sum = run(layer("name: 'e' type: 'Eltwise' bottom: 'a' bottom: 'b' bottom: 'c' top: 'y' eltwise_param { operation: SUM coeff: 1 coeff: -2 coeff: 0.5 }"), a, b, c);
        Tensor prod = run(layer("name: 'e' type: 'Eltwise' bottom: 'a' bottom: 'b' bottom: 'c' top: 'y' eltwise_param { operation: PROD }"), a, b, c);
        Tensor max = run(layer("name: 'e' type: 'Eltwise' bottom: 'a' bottom: 'b' bottom: 'c' top: 'y' eltwise_param { operation: MAX }"), a, b, c);
        for (int i = 0; i < 6; i++) {
            float x = a.hostData()[i];
            float y = b.hostData()[i];
            float z = c.hostData()[i];
            assertEquals(x - 2 * y + 0.5f * z, sum.hostData()[i], TOL);
            assertEquals(x * y * z, prod.hostData()[i], TOL);
            assertEquals(Math.max(x, Math.max(y, z)), max.hostData()[i], 0f);
        }
        assertThrows(NetDefinitionException.class, () -> layer(
                "name: 'e' type: 'Eltwise' bottom: 'a' bottom: 'b' top: 'y' eltwise_param { coeff: 1 }"));
    }

    @Test
    void batchNormUsesStoredStatisticsScaledByTheFactorAndScaleAddsBias() {
        Tensor x = random(2, 3, 2, 2);
        Layer bn = layer("name: 'bn' type: 'BatchNorm' bottom: 'x' top: 'y' batch_norm_param { eps: 0.001 }");
        bn.setUp(cpu, List.of(x.shape()));
        float[] mean = {2, 4, 6};
        float[] var = {8, 10, 12};
        System.arraycopy(mean, 0, bn.params().get(0).data().hostData(), 0, 3);
        System.arraycopy(var, 0, bn.params().get(1).data().hostData(), 0, 3);
        bn.params().get(2).data().hostData()[0] = 2f;
        List<Shape> shapes = bn.reshape(List.of(x.shape()));
        Tensor y = cpu.allocate(shapes.get(0));
        bn.forward(cpu, Phase.TEST, List.of(x), List.of(y));
        for (int n = 0; n < 2; n++) {
            for (int c = 0; c < 3; c++) {
                for (int i = 0; i < 4; i++) {
                    int idx = (n * 3 + c) * 4 + i;
                    double expected = (x.hostData()[idx] - mean[c] / 2) / Math.sqrt(var[c] / 2 + 0.001);
                    assertEquals(expected, y.hostData()[idx], 1e-5);
                }
            }
        }
        Layer scale = layer("name: 's' type: 'Scale' bottom: 'x' top: 'y' scale_param { bias_term: true }");
        scale.setUp(cpu, List.of(x.shape()));
        scale.params().get(0).data().hostData()[1] = 3f;
        scale.params().get(1).data().hostData()[2] = -1f;
        List<Shape> s2 = scale.reshape(List.of(x.shape()));
        Tensor z = cpu.allocate(s2.get(0));
        scale.forward(cpu, Phase.TEST, List.of(x), List.of(z));
        assertEquals(x.hostData()[0], z.hostData()[0], 0f);
        assertEquals(3f * x.hostData()[4], z.hostData()[4], TOL);
        assertEquals(x.hostData()[8] - 1f, z.hostData()[8], TOL);
    }

    @Test
    void concatFlattenReshapeAndSoftmaxAxes() {
        Tensor a = random(2, 1, 3);
        Tensor b = random(2, 2, 3);
        Tensor cat = run(layer("name: 'c' type: 'Concat' bottom: 'a' bottom: 'b' top: 'y' concat_param { axis: 1 }"), a, b);
        assertEquals(Shape.of(2, 3, 3), cat.shape());
        assertEquals(a.hostData()[3], cat.hostData()[9], 0f);
        assertEquals(b.hostData()[6], cat.hostData()[12], 0f);
        Tensor cat2 = run(layer("name: 'c' type: 'Concat' bottom: 'a' bottom: 'a' top: 'y' concat_param { axis: -1 }"), a, a);
        assertEquals(Shape.of(2, 1, 6), cat2.shape());
        assertEquals(a.hostData()[4], cat2.hostData()[10], 0f);
        var e = assertThrows(NetDefinitionException.class, () -> run(layer(
                "name: 'c' type: 'Concat' bottom: 'a' bottom: 'b' top: 'y' concat_param { axis: 2 }"), a, b));
        assertTrue(e.getMessage().contains("(2, 1, 3)") && e.getMessage().contains("(2, 2, 3)"), e.getMessage());

        Tensor x = random(2, 3, 4, 5);
        assertEquals(Shape.of(2, 60), run(layer("name: 'f' type: 'Flatten' bottom: 'x' top: 'y'"), x).shape());
        assertEquals(Shape.of(2, 12, 5), run(layer("name: 'f' type: 'Flatten' bottom: 'x' top: 'y' flatten_param { axis: 1 end_axis: 2 }"), x).shape());
        assertEquals(Shape.of(2, 3, 20), run(layer("name: 'r' type: 'Reshape' bottom: 'x' top: 'y' reshape_param { shape { dim: 0 dim: 0 dim: -1 } }"), x).shape());
        assertEquals(Shape.of(2, 3, 2, 2, 5), run(layer("name: 'r' type: 'Reshape' bottom: 'x' top: 'y' reshape_param { shape { dim: 2 dim: -1 } axis: 2 num_axes: 1 }"), x).shape());

        Tensor sm = run(layer("name: 's' type: 'Softmax' bottom: 'x' top: 'y' softmax_param { axis: 2 }"), x);
        double total = 0;
        for (int h = 0; h < 4; h++) {
            total += sm.hostData()[h * 5 + 1];
        }
        assertEquals(1.0, total, 1e-6);
    }

    @Test
    void innerProductWithAxisAndTranspose() {
        Tensor x = random(2, 3, 4);
        Layer ip = layer("name: 'ip' type: 'InnerProduct' bottom: 'x' top: 'y' inner_product_param { num_output: 5 axis: 2 transpose: true }");
        ip.setUp(cpu, List.of(x.shape()));
        float[] w = ip.params().get(0).data().hostData();
        float[] bias = ip.params().get(1).data().hostData();
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) random.nextGaussian();
        }
        bias[3] = 0.25f;
        Tensor y = cpu.allocate(ip.reshape(List.of(x.shape())).get(0));
        ip.forward(cpu, Phase.TEST, List.of(x), List.of(y));
        assertEquals(Shape.of(2, 3, 5), y.shape());
        for (int m = 0; m < 6; m++) {
            for (int n = 0; n < 5; n++) {
                float expected = bias[n];
                for (int k = 0; k < 4; k++) {
                    expected += x.hostData()[m * 4 + k] * w[k * 5 + n];
                }
                assertEquals(expected, y.hostData()[m * 5 + n], TOL);
            }
        }
    }

    @Test
    void sigmoidTanhAndLeakyRelu() {
        Tensor x = random(3, 5);
        Tensor s = run(layer("name: 's' type: 'Sigmoid' bottom: 'x' top: 'y'"), x);
        Tensor t = run(layer("name: 't' type: 'TanH' bottom: 'x' top: 'y'"), x);
        Tensor r = run(layer("name: 'r' type: 'ReLU' bottom: 'x' top: 'y' relu_param { negative_slope: 0.1 }"), x);
        for (int i = 0; i < 15; i++) {
            float v = x.hostData()[i];
            assertEquals(1 / (1 + Math.exp(-v)), s.hostData()[i], 1e-6);
            assertEquals(Math.tanh(v), t.hostData()[i], 1e-6);
            assertEquals(v > 0 ? v : 0.1f * v, r.hostData()[i], 1e-7);
        }
    }

    @Test
    void badParametersNameTheLayer() {
        var e = assertThrows(NetDefinitionException.class, () -> layer(
                "name: 'c1' type: 'Convolution' bottom: 'x' top: 'y' convolution_param { num_output: 4 }"));
        assertTrue(e.getMessage().contains("layer 'c1' (Convolution)") && e.getMessage().contains("kernel_size"));
        var g = assertThrows(NetDefinitionException.class, () -> run(layer(
                "name: 'c2' type: 'Convolution' bottom: 'x' top: 'y' convolution_param { num_output: 4 kernel_size: 1 group: 3 }"),
                random(1, 4, 2, 2)));
        assertTrue(g.getMessage().contains("layer 'c2'") && g.getMessage().contains("group 3"), g.getMessage());
        var p = assertThrows(NetDefinitionException.class, () -> layer(
                "name: 'p1' type: 'Pooling' bottom: 'x' top: 'y' pooling_param { kernel_size: 2 pad: 2 }"));
        assertTrue(p.getMessage().contains("layer 'p1' (Pooling)"), p.getMessage());
    }
}

package org.cortado.backend.cpu;

import org.cortado.backend.CounterRng;
import org.cortado.backend.PoolGeometry;

/**
 * STOCHASTIC pooling (Zeiler and Fergus), as Caffe's GPU kernels define it (its CPU code has none): windows start at
 * {@code p * stride}, never padded, and are clipped to the input. Test time: {@code sum(x^2) / sum(x)} over the
 * window, 0 where the sum is not positive. Training: one input per window drawn with probability proportional to its
 * value, the first whose running sum reaches {@code u * sum}; the draw's plane index goes to a mask as MAX pooling's
 * argmax does, so that MAX pooling's backward is this one's. The oracle of {@code pooling.cu}'s stochastic kernels.
 */
public final class CpuStochasticPooling {
    private CpuStochasticPooling() {
    }

    /** Test time, outputs {@code [from, to)} of {@code batch * channels * outH * outW}. */
    public static void forwardTest(PoolGeometry g, float[] in, float[] out, int from, int to) {
        for (int index = from; index < to; index++) {
            Window win = Window.of(g, index);
            int base = win.base();
            float sum = 0f;
            float squares = 0f;
            for (int h = win.hstart(); h < win.hend(); h++) {
                for (int w = win.wstart(); w < win.wend(); w++) {
                    float v = in[base + h * g.inW() + w];
                    sum += v;
                    squares += v * v;
                }
            }
            out[index] = sum > 0f ? squares / sum : 0f;
        }
    }

    /**
     * Training, outputs {@code [from, to)}: output {@code index} draws {@code u = CounterRng.uniform(seed, index)}.
     * Where the threshold is never reached (a window whose sum is negative) the window's last input is taken; Caffe
     * leaves such an output unwritten.
     */
    public static void forwardTrain(PoolGeometry g, float[] in, float[] out, float[] mask, long seed, int from,
                                    int to) {
        for (int index = from; index < to; index++) {
            Window win = Window.of(g, index);
            int base = win.base();
            float sum = 0f;
            for (int h = win.hstart(); h < win.hend(); h++) {
                for (int w = win.wstart(); w < win.wend(); w++) {
                    sum += in[base + h * g.inW() + w];
                }
            }
            float threshold = CounterRng.uniform(seed, index) * sum;
            int chosen = (win.hend() - 1) * g.inW() + win.wend() - 1;
            sum = 0f;
            search:
            for (int h = win.hstart(); h < win.hend(); h++) {
                for (int w = win.wstart(); w < win.wend(); w++) {
                    sum += in[base + h * g.inW() + w];
                    if (sum >= threshold) {
                        chosen = h * g.inW() + w;
                        break search;
                    }
                }
            }
            out[index] = in[base + chosen];
            mask[index] = chosen;
        }
    }

    /** Output {@code index}'s window: its plane's first input and its rows and columns, clipped to the input. */
    private record Window(int base, int hstart, int hend, int wstart, int wend) {
        static Window of(PoolGeometry g, int index) {
            int plane = index / (g.outH() * g.outW());
            int hstart = index / g.outW() % g.outH() * g.strideH();
            int wstart = index % g.outW() * g.strideW();
            return new Window(plane * g.inH() * g.inW(), hstart, Math.min(hstart + g.kernelH(), g.inH()), wstart,
                    Math.min(wstart + g.kernelW(), g.inW()));
        }
    }
}

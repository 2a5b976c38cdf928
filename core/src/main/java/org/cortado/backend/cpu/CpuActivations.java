package org.cortado.backend.cpu;

import org.cortado.backend.Pointwise;

/**
 * Reference loops of Caffe's neuron functions ({@link Pointwise}) and of PReLU over index ranges of host arrays, the
 * oracle of the GPU's {@code activations.cu}. Each formula repeats Caffe's CPU code in float, in its order, with its
 * special cases (Power's and Exp's shortcuts round differently from the general formula).
 */
public final class CpuActivations {
    private CpuActivations() {
    }

    /** {@code y[i] = f(x[i])} for {@code i} in {@code [from, to)}; {@code y} may be {@code x}. */
    public static void forward(Pointwise f, float[] x, float[] y, int from, int to) {
        float a = f.a();
        float b = f.b();
        float c = f.c();
        switch (f.kind()) {
            case ELU -> {
                for (int i = from; i < to; i++) {
                    float v = x[i];
                    y[i] = Math.max(v, 0f) + a * ((float) Math.exp(Math.min(v, 0f)) - 1f);
                }
            }
            case POWER -> power(a, b, c, x, y, from, to);
            case EXP -> {
                for (int i = from; i < to; i++) {
                    float v = a == 1f ? x[i] : a * x[i];
                    float e = (float) Math.exp(v);
                    y[i] = b == 1f ? e : b * e;
                }
            }
            case LOG -> {
                for (int i = from; i < to; i++) {
                    float v = affine(x[i], a, b);
                    float l = (float) Math.log(v);
                    y[i] = c == 1f ? l : l * c;
                }
            }
            case ABSVAL -> {
                for (int i = from; i < to; i++) {
                    y[i] = Math.abs(x[i]);
                }
            }
            case BNLL -> {
                for (int i = from; i < to; i++) {
                    // Caffe: exp of the float, then 1. + ... and log in double.
                    float v = x[i];
                    y[i] = (float) (v > 0 ? v + Math.log(1.0 + (float) Math.exp(-v))
                            : Math.log(1.0 + (float) Math.exp(v)));
                }
            }
            case THRESHOLD -> {
                for (int i = from; i < to; i++) {
                    y[i] = x[i] > a ? 1f : 0f;
                }
            }
            default -> throw new AssertionError(f.kind());
        }
    }

    /** Caffe's Power forward: a constant where {@code power * scale == 0}, else scale, shift, power, each if needed. */
    private static void power(float power, float scale, float shift, float[] x, float[] y, int from, int to) {
        float diffScale = power * scale;
        if (diffScale == 0f) {
            float value = power == 0f ? 1f : (float) Math.pow(shift, power);
            java.util.Arrays.fill(y, from, to, value);
            return;
        }
        for (int i = from; i < to; i++) {
            float v = affine(x[i], scale, shift);
            y[i] = power == 1f ? v : (float) Math.pow(v, power);
        }
    }

    /** {@code scale * x + shift}, each step skipped where Caffe skips it. */
    private static float affine(float x, float scale, float shift) {
        float v = scale == 1f ? x : x * scale;
        return shift == 0f ? v : v + shift;
    }

    /**
     * {@code dx[i] = dy[i] * f'(x[i])} as Caffe computes it from {@code x} and {@code y = f(x)}, for {@code i} in
     * {@code [from, to)}; {@code dx} may be {@code dy} (each element is read before it is written).
     */
    public static void backward(Pointwise f, float[] x, float[] y, float[] dy, float[] dx, int from, int to) {
        float a = f.a();
        float b = f.b();
        float c = f.c();
        switch (f.kind()) {
            case ELU -> {
                for (int i = from; i < to; i++) {
                    dx[i] = x[i] > 0 ? dy[i] : dy[i] * (a + y[i]);
                }
            }
            case POWER -> powerBackward(a, b, c, x, y, dy, dx, from, to);
            case EXP -> {
                for (int i = from; i < to; i++) {
                    float g = y[i] * dy[i];
                    dx[i] = a == 1f ? g : g * a;
                }
            }
            case LOG -> {
                float d = f.d();
                for (int i = from; i < to; i++) {
                    float inv = (float) Math.pow(affine(x[i], a, b), -1.0);
                    dx[i] = dy[i] * (d == 1f ? inv : inv * d);
                }
            }
            case ABSVAL -> {
                for (int i = from; i < to; i++) {
                    float v = x[i];
                    float sign = (0f < v ? 1f : 0f) - (v < 0f ? 1f : 0f);
                    dx[i] = sign * dy[i];
                }
            }
            case BNLL -> {
                for (int i = from; i < to; i++) {
                    float e = (float) Math.exp(Math.min(x[i], Pointwise.BNLL_THRESHOLD));
                    dx[i] = (float) ((dy[i] * e) / (e + 1.0));
                }
            }
            case THRESHOLD -> throw new UnsupportedOperationException("Threshold has no backward pass");
            default -> throw new AssertionError(f.kind());
        }
    }

    /** Caffe's Power backward, case by case: its shortcuts for power 1 or 2 and shift 0 are what it computes. */
    private static void powerBackward(float power, float scale, float shift, float[] x, float[] y, float[] dy,
                                      float[] dx, int from, int to) {
        float diffScale = power * scale;
        for (int i = from; i < to; i++) {
            float g;
            if (diffScale == 0f || power == 1f) {
                g = diffScale;
            } else if (power == 2f) {
                g = diffScale * scale * x[i];
                if (shift != 0f) {
                    g += diffScale * shift;
                }
            } else if (shift == 0f) {
                g = y[i] / x[i] * power;
            } else {
                g = y[i] / affine(x[i], scale, shift);
                if (diffScale != 1f) {
                    g *= diffScale;
                }
            }
            dx[i] = diffScale == 0f ? g : dy[i] * g;
        }
    }

    /**
     * PReLU: {@code y = max(x, 0) + slope[c] * min(x, 0)} over {@code (outer, channels, inner)} elements
     * {@code [from, to)}.
     */
    public static void preluForward(float[] x, float[] slope, float[] y, int channels, int inner, int from, int to) {
        for (int i = from; i < to; i++) {
            float v = x[i];
            y[i] = Math.max(v, 0f) + slope[(i / inner) % channels] * Math.min(v, 0f);
        }
    }

    /** PReLU's input gradient {@code dx = dy * (x > 0 ? 1 : slope[c])}; {@code dx} may be {@code dy}. */
    public static void preluBackward(float[] x, float[] slope, float[] dy, float[] dx, int channels, int inner,
                                     int from, int to) {
        for (int i = from; i < to; i++) {
            dx[i] = x[i] > 0 ? dy[i] : dy[i] * slope[(i / inner) % channels];
        }
    }

    /**
     * PReLU's slope gradient: {@code dslope[c] += sum over o, i of dy * x * (x <= 0)} for channels
     * {@code [fromChannel, toChannel)}, each summed in double.
     */
    public static void preluSlopeBackward(float[] x, float[] dy, float[] dslope, int outer, int channels, int inner,
                                          int fromChannel, int toChannel) {
        for (int c = fromChannel; c < toChannel; c++) {
            double sum = 0;
            for (int o = 0; o < outer; o++) {
                int base = (o * channels + c) * inner;
                for (int i = base; i < base + inner; i++) {
                    if (x[i] <= 0) {
                        sum += dy[i] * x[i];
                    }
                }
            }
            dslope[c] += (float) sum;
        }
    }
}

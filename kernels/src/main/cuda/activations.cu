// Activation functions, forward and backward side by side (Backend: reluForward ... tanhBackward; LayerOps: the
// neuron functions and PReLU). Self-contained, grid-stride, numbered versions; see elementwise.cu for the conventions.

// out = x > 0 ? x : slope * x (Caffe's ReLU with negative_slope); out may alias in (in-place ReLU)
extern "C" __global__ void relu_forward_kernel1(const float* in, float* out, float slope, int n) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        float v = in[i];
        out[i] = v > 0.0f ? v : slope * v;
    }
}

// dinp = dout * (in > 0 ? 1 : slope); dinp may alias dout
extern "C" __global__ void relu_backward_kernel1(const float* in, const float* dout, float* dinp, float slope, int n) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        float g = dout[i];
        dinp[i] = in[i] > 0.0f ? g : slope * g;
    }
}

// out = 1 / (1 + exp(-x))
extern "C" __global__ void sigmoid_forward_kernel1(const float* in, float* out, int n) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        out[i] = 1.0f / (1.0f + expf(-in[i]));
    }
}

// dinp = dout * out * (1 - out)
extern "C" __global__ void sigmoid_backward_kernel1(const float* out, const float* dout, float* dinp, int n) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        float y = out[i];
        dinp[i] = dout[i] * y * (1.0f - y);
    }
}

// out = tanh(x)
extern "C" __global__ void tanh_forward_kernel1(const float* in, float* out, int n) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        out[i] = tanhf(in[i]);
    }
}

// dinp = dout * (1 - out^2)
extern "C" __global__ void tanh_backward_kernel1(const float* out, const float* dout, float* dinp, int n) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        float y = out[i];
        dinp[i] = dout[i] * (1.0f - y * y);
    }
}

// ---- Caffe's other neuron functions (org.cortado.backend.Pointwise; reference: CpuActivations) ---------------------
// kind as Pointwise.Kind's ordinal: 0 ELU (a = alpha), 1 POWER (a = power, b = scale, c = shift), 2 EXP (a = inner
// scale, b = outer scale), 3 LOG (a = scale, b = shift, c = base scale, d = backward scale), 4 ABSVAL, 5 BNLL,
// 6 THRESHOLD (a = threshold). Each step is skipped where Caffe skips it, since that changes the rounding.

#define POINTWISE_BNLL_THRESHOLD 50.0f

// scale * x + shift, each step only where Caffe takes it
__device__ __forceinline__ float pointwise_affine(float x, float scale, float shift) {
    float v = scale == 1.0f ? x : x * scale;
    return shift == 0.0f ? v : v + shift;
}

// out = f(in); out may alias in
extern "C" __global__ void pointwise_forward_kernel1(const float* in, float* out, int kind, float a, float b, float c,
                                                     int n) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        float x = in[i];
        float y;
        if (kind == 0) {
            y = fmaxf(x, 0.0f) + a * (expf(fminf(x, 0.0f)) - 1.0f);
        } else if (kind == 1) {
            if (a * b == 0.0f) {
                y = a == 0.0f ? 1.0f : powf(c, a);
            } else {
                float v = pointwise_affine(x, b, c);
                y = a == 1.0f ? v : powf(v, a);
            }
        } else if (kind == 2) {
            float e = expf(a == 1.0f ? x : a * x);
            y = b == 1.0f ? e : b * e;
        } else if (kind == 3) {
            float l = logf(pointwise_affine(x, a, b));
            y = c == 1.0f ? l : l * c;
        } else if (kind == 4) {
            y = fabsf(x);
        } else if (kind == 5) {
            // Caffe: the float's exp, then 1. + ... and the log in double
            y = (float) (x > 0.0f ? x + log(1.0 + (double) expf(-x)) : log(1.0 + (double) expf(x)));
        } else {
            y = x > a ? 1.0f : 0.0f;
        }
        out[i] = y;
    }
}

// dinp = dout * f'(in), from in and out = f(in) as Caffe computes it (no THRESHOLD); dinp may alias dout
extern "C" __global__ void pointwise_backward_kernel1(const float* in, const float* out, const float* dout, float* dinp,
                                                      int kind, float a, float b, float c, float d, int n) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        float x = in[i];
        float dy = dout[i];
        float g;
        if (kind == 0) {
            g = x > 0.0f ? dy : dy * (a + out[i]);
        } else if (kind == 1) {
            float diffScale = a * b;
            float k;
            if (diffScale == 0.0f || a == 1.0f) {
                k = diffScale;
            } else if (a == 2.0f) {
                k = diffScale * b * x;
                if (c != 0.0f) {
                    k += diffScale * c;
                }
            } else if (c == 0.0f) {
                k = out[i] / x * a;
            } else {
                k = out[i] / pointwise_affine(x, b, c);
                if (diffScale != 1.0f) {
                    k *= diffScale;
                }
            }
            g = diffScale == 0.0f ? k : dy * k;
        } else if (kind == 2) {
            float p = out[i] * dy;
            g = a == 1.0f ? p : p * a;
        } else if (kind == 3) {
            float inv = 1.0f / pointwise_affine(x, a, b);
            g = dy * (d == 1.0f ? inv : inv * d);
        } else if (kind == 4) {
            g = ((0.0f < x ? 1.0f : 0.0f) - (x < 0.0f ? 1.0f : 0.0f)) * dy;
        } else {
            float e = expf(fminf(x, POINTWISE_BNLL_THRESHOLD));
            g = (float) ((double) (dy * e) / ((double) e + 1.0));
        }
        dinp[i] = g;
    }
}

// PReLU over (outer, channels, inner): out = max(x, 0) + slope[c] * min(x, 0); out may alias in
extern "C" __global__ void prelu_forward_kernel1(const float* in, const float* __restrict__ slope, float* out,
                                                 int channels, int inner, int n) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        float x = in[i];
        out[i] = fmaxf(x, 0.0f) + slope[(i / inner) % channels] * fminf(x, 0.0f);
    }
}

// dinp = dout * (x > 0 ? 1 : slope[c]); dinp may alias dout
extern "C" __global__ void prelu_backward_kernel1(const float* __restrict__ in, const float* __restrict__ slope,
                                                  const float* dout, float* dinp, int channels, int inner, int n) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        float dy = dout[i];
        dinp[i] = in[i] > 0.0f ? dy : dy * slope[(i / inner) % channels];
    }
}

// The slope gradient's terms, dout * x where x <= 0 and 0 elsewhere; bias_backward then sums them per channel
extern "C" __global__ void prelu_slope_terms_kernel1(const float* __restrict__ in, const float* __restrict__ dout,
                                                     float* __restrict__ terms, int n) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        float x = in[i];
        terms[i] = x <= 0.0f ? dout[i] * x : 0.0f;
    }
}

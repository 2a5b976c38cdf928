// Fused solver updates: one pass over a parameter instead of Caffe's three (regularize, compute update, apply).
// Each is bit-identical to the CPU's reference loop (org.cortado.backend.UpdateKernels): Java rounds every float
// product and sum on its own, while nvcc contracts a * b + c into one fused multiply-add by default, which rounds
// once and so differs in the last bit. The _rn intrinsics are never contracted, so each operation below rounds to
// nearest as Java's does; the order of operations follows the Java statement. Self-contained; see elementwise.cu.

// Caffe's caffe_sign: (0 < x) - (x < 0), so 0 for 0 and NaN
__device__ __forceinline__ float caffe_sign(float x) {
    return (0.0f < x ? 1.0f : 0.0f) - (x < 0.0f ? 1.0f : 0.0f);
}

// g = gradScale * diff + decay * data (L2) or gradScale * diff + decay * sign(data) (l1 != 0): the gradient after
// iter_size normalisation, clipping and weight decay
__device__ __forceinline__ float decayed_gradient(float diff, float data, float gradScale, float decay, int l1) {
    float penalty = l1 ? caffe_sign(data) : data;
    return __fadd_rn(__fmul_rn(gradScale, diff), __fmul_rn(decay, penalty));
}

// Caffe's SGD with momentum: h = momentum * h + lr * g; data -= h
extern "C" __global__ void sgd_update_kernel1(float* __restrict__ data, const float* __restrict__ diff,
                                             float* __restrict__ history, float gradScale, float decay, int l1,
                                             float lr, float momentum, int n) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        float x = data[i];
        float g = decayed_gradient(diff[i], x, gradScale, decay, l1);
        float h = __fadd_rn(__fmul_rn(momentum, history[i]), __fmul_rn(lr, g));
        history[i] = h;
        data[i] = __fsub_rn(x, h);
    }
}

// Caffe's Nesterov: h' = momentum * h + lr * g; data -= (1 + momentum) * h' - momentum * h; history = h'
extern "C" __global__ void nesterov_update_kernel1(float* __restrict__ data, const float* __restrict__ diff,
                                                  float* __restrict__ history, float gradScale, float decay, int l1,
                                                  float lr, float momentum, int n) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        float x = data[i];
        float g = decayed_gradient(diff[i], x, gradScale, decay, l1);
        float previous = history[i];
        float h = __fadd_rn(__fmul_rn(momentum, previous), __fmul_rn(lr, g));
        history[i] = h;
        float step = __fsub_rn(__fmul_rn(__fadd_rn(1.0f, momentum), h), __fmul_rn(momentum, previous));
        data[i] = __fsub_rn(x, step);
    }
}

// Caffe's Adam (the CPU solver's order): m = (1 - beta1) * g + beta1 * m; v = (1 - beta2) * (g * g) + beta2 * v;
// data -= lrCorrected * (m / (sqrt(v) + eps)). Java's (float) Math.sqrt(v) is the correctly rounded float square
// root (a double carries more than twice float's bits, so rounding twice does not matter), which __fsqrt_rn is.
extern "C" __global__ void adam_update_kernel1(float* __restrict__ data, const float* __restrict__ diff,
                                              float* __restrict__ m, float* __restrict__ v, float gradScale,
                                              float decay, int l1, float lrCorrected, float beta1, float beta2,
                                              float eps, int n) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        float x = data[i];
        float g = decayed_gradient(diff[i], x, gradScale, decay, l1);
        float mi = __fadd_rn(__fmul_rn(__fsub_rn(1.0f, beta1), g), __fmul_rn(beta1, m[i]));
        float vi = __fadd_rn(__fmul_rn(__fsub_rn(1.0f, beta2), __fmul_rn(g, g)), __fmul_rn(beta2, v[i]));
        m[i] = mi;
        v[i] = vi;
        data[i] = __fsub_rn(x, __fmul_rn(lrCorrected, __fdiv_rn(mi, __fadd_rn(__fsqrt_rn(vi), eps))));
    }
}

// Caffe's AdaGrad: h = g * g + h; data -= lr * (g / (sqrt(h) + delta))
extern "C" __global__ void adagrad_update_kernel1(float* __restrict__ data, const float* __restrict__ diff,
                                                 float* __restrict__ history, float gradScale, float decay, int l1,
                                                 float lr, float delta, int n) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        float x = data[i];
        float g = decayed_gradient(diff[i], x, gradScale, decay, l1);
        float h = __fadd_rn(__fmul_rn(g, g), history[i]);
        history[i] = h;
        data[i] = __fsub_rn(x, __fmul_rn(lr, __fdiv_rn(g, __fadd_rn(__fsqrt_rn(h), delta))));
    }
}

// Caffe's RMSProp: h = (1 - rmsDecay) * (g * g) + rmsDecay * h; data -= lr * (g / (sqrt(h) + delta))
extern "C" __global__ void rmsprop_update_kernel1(float* __restrict__ data, const float* __restrict__ diff,
                                                 float* __restrict__ history, float gradScale, float decay, int l1,
                                                 float lr, float rmsDecay, float delta, int n) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        float x = data[i];
        float g = decayed_gradient(diff[i], x, gradScale, decay, l1);
        float h = __fadd_rn(__fmul_rn(__fsub_rn(1.0f, rmsDecay), __fmul_rn(g, g)), __fmul_rn(rmsDecay, history[i]));
        history[i] = h;
        data[i] = __fsub_rn(x, __fmul_rn(lr, __fdiv_rn(g, __fadd_rn(__fsqrt_rn(h), delta))));
    }
}

// Caffe's AdaDelta: h = (1 - momentum) * (g * g) + momentum * h; u = g * sqrt((delta + u2) / (delta + h));
// u2 = (1 - momentum) * (u * u) + momentum * u2; data -= lr * u
extern "C" __global__ void adadelta_update_kernel1(float* __restrict__ data, const float* __restrict__ diff,
                                                  float* __restrict__ history, float* __restrict__ updates,
                                                  float gradScale, float decay, int l1, float lr, float momentum,
                                                  float delta, int n) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        float x = data[i];
        float g = decayed_gradient(diff[i], x, gradScale, decay, l1);
        float keep = __fsub_rn(1.0f, momentum);
        float h = __fadd_rn(__fmul_rn(keep, __fmul_rn(g, g)), __fmul_rn(momentum, history[i]));
        history[i] = h;
        float ratio = __fdiv_rn(__fadd_rn(delta, updates[i]), __fadd_rn(delta, h));
        float u = __fmul_rn(g, __fsqrt_rn(ratio));
        updates[i] = __fadd_rn(__fmul_rn(keep, __fmul_rn(u, u)), __fmul_rn(momentum, updates[i]));
        data[i] = __fsub_rn(x, __fmul_rn(lr, u));
    }
}

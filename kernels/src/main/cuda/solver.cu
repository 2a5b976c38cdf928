// Fused solver updates: one pass over a parameter instead of Caffe's three (regularize, compute update, apply).
// Each is bit-identical to the CPU's reference loop (org.cortado.backend.UpdateKernels): Java rounds every float
// product and sum on its own, while nvcc contracts a * b + c into one fused multiply-add by default, which rounds
// once and so differs in the last bit. The _rn intrinsics are never contracted, so each operation below rounds to
// nearest as Java's does; the order of operations follows the Java statement. Self-contained; see elementwise.cu.

// g = gradScale * diff + decay * data, the gradient after iter_size normalisation, clipping and L2 decay
__device__ __forceinline__ float decayed_gradient(float diff, float data, float gradScale, float decay) {
    return __fadd_rn(__fmul_rn(gradScale, diff), __fmul_rn(decay, data));
}

// Caffe's SGD with momentum: h = momentum * h + lr * g; data -= h
extern "C" __global__ void sgd_update_kernel1(float* __restrict__ data, const float* __restrict__ diff,
                                             float* __restrict__ history, float gradScale, float decay, float lr,
                                             float momentum, int n) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        float x = data[i];
        float g = decayed_gradient(diff[i], x, gradScale, decay);
        float h = __fadd_rn(__fmul_rn(momentum, history[i]), __fmul_rn(lr, g));
        history[i] = h;
        data[i] = __fsub_rn(x, h);
    }
}

// Caffe's Nesterov: h' = momentum * h + lr * g; data -= (1 + momentum) * h' - momentum * h; history = h'
extern "C" __global__ void nesterov_update_kernel1(float* __restrict__ data, const float* __restrict__ diff,
                                                  float* __restrict__ history, float gradScale, float decay, float lr,
                                                  float momentum, int n) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        float x = data[i];
        float g = decayed_gradient(diff[i], x, gradScale, decay);
        float previous = history[i];
        float h = __fadd_rn(__fmul_rn(momentum, previous), __fmul_rn(lr, g));
        history[i] = h;
        float step = __fsub_rn(__fmul_rn(__fadd_rn(1.0f, momentum), h), __fmul_rn(momentum, previous));
        data[i] = __fsub_rn(x, step);
    }
}

// Caffe's Adam: m = beta1 * m + (1 - beta1) * g; v = beta2 * v + (1 - beta2) * g * g;
// data -= lrCorrected * m / (sqrt(v) + eps). Java's (float) Math.sqrt(v) is the correctly rounded float square
// root (a double carries more than twice float's bits, so rounding twice does not matter), which __fsqrt_rn is.
extern "C" __global__ void adam_update_kernel1(float* __restrict__ data, const float* __restrict__ diff,
                                              float* __restrict__ m, float* __restrict__ v, float gradScale,
                                              float decay, float lrCorrected, float beta1, float beta2, float eps,
                                              int n) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        float x = data[i];
        float g = decayed_gradient(diff[i], x, gradScale, decay);
        float mi = __fadd_rn(__fmul_rn(beta1, m[i]), __fmul_rn(__fsub_rn(1.0f, beta1), g));
        float vi = __fadd_rn(__fmul_rn(beta2, v[i]), __fmul_rn(__fmul_rn(__fsub_rn(1.0f, beta2), g), g));
        m[i] = mi;
        v[i] = vi;
        data[i] = __fsub_rn(x, __fdiv_rn(__fmul_rn(lrCorrected, mi), __fadd_rn(__fsqrt_rn(vi), eps)));
    }
}

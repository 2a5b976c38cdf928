// Fused solver updates: one pass over a parameter instead of Caffe's three (regularize, compute update, apply).
// Self-contained; see elementwise.cu for the conventions.

// Caffe's SGD with momentum and L2 weight decay:
//   g' = g + decay * w;  h = momentum * h + rate * g';  w = w - h
// where rate = base_lr * lr_mult and decay = weight_decay * decay_mult are folded on the host. The gradient is left
// as it was (the caller clears it for the next iteration).
extern "C" __global__ void sgd_update_kernel1(float* __restrict__ w, const float* __restrict__ g,
                                             float* __restrict__ h, float rate, float momentum, float decay, int n) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        float wi = w[i];
        float hi = momentum * h[i] + rate * (g[i] + decay * wi);
        h[i] = hi;
        w[i] = wi - hi;
    }
}

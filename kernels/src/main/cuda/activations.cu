// Activation functions, forward and backward side by side (Backend: reluForward ... tanhBackward).
// Self-contained, grid-stride, numbered versions; see elementwise.cu for the conventions.

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

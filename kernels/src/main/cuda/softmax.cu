// Softmax over the middle axis of (outer, channels, inner), max-subtracted, forward and backward.
// Self-contained; see elementwise.cu for the conventions.

// Version 1: one thread per (o, i) position walking the channels; right for spatial softmax (inner large).
extern "C" __global__ void softmax_forward_kernel1(const float* __restrict__ in, float* __restrict__ out, int outer,
                                                  int channels, int inner) {
    int n = outer * inner;
    for (int t = blockIdx.x * blockDim.x + threadIdx.x; t < n; t += gridDim.x * blockDim.x) {
        long long base = (long long) (t / inner) * channels * inner + t % inner;
        float mx = -3.402823466e+38f;
        for (int c = 0; c < channels; c++) {
            mx = fmaxf(mx, in[base + (long long) c * inner]);
        }
        float sum = 0.0f;
        for (int c = 0; c < channels; c++) {
            float v = expf(in[base + (long long) c * inner] - mx);
            out[base + (long long) c * inner] = v;
            sum += v;
        }
        float inv = 1.0f / sum;
        for (int c = 0; c < channels; c++) {
            out[base + (long long) c * inner] *= inv;
        }
    }
}

// Version 2: inner == 1 (class scores, N x 1000): one block of 256 threads per row, reductions in shared memory, so
// a row's 1000 channels are read by 256 threads instead of one.
extern "C" __global__ void softmax_forward_kernel2(const float* __restrict__ in, float* __restrict__ out, int outer,
                                                  int channels) {
    __shared__ float red[256];
    for (int row = blockIdx.x; row < outer; row += gridDim.x) {
        const float* x = in + (long long) row * channels;
        float* y = out + (long long) row * channels;
        float mx = -3.402823466e+38f;
        for (int c = threadIdx.x; c < channels; c += blockDim.x) {
            mx = fmaxf(mx, x[c]);
        }
        red[threadIdx.x] = mx;
        __syncthreads();
        for (int half = blockDim.x / 2; half > 0; half /= 2) {
            if (threadIdx.x < half) {
                red[threadIdx.x] = fmaxf(red[threadIdx.x], red[threadIdx.x + half]);
            }
            __syncthreads();
        }
        mx = red[0];
        __syncthreads();
        float sum = 0.0f;
        for (int c = threadIdx.x; c < channels; c += blockDim.x) {
            float v = expf(x[c] - mx);
            y[c] = v;
            sum += v;
        }
        red[threadIdx.x] = sum;
        __syncthreads();
        for (int half = blockDim.x / 2; half > 0; half /= 2) {
            if (threadIdx.x < half) {
                red[threadIdx.x] += red[threadIdx.x + half];
            }
            __syncthreads();
        }
        float inv = 1.0f / red[0];
        __syncthreads();
        for (int c = threadIdx.x; c < channels; c += blockDim.x) {
            y[c] *= inv;
        }
    }
}

// dinp = out * (dout - sum_c(dout * out)); one thread per (o, i).
extern "C" __global__ void softmax_backward_kernel1(const float* __restrict__ out, const float* __restrict__ dout,
                                                   float* __restrict__ dinp, int outer, int channels, int inner) {
    int n = outer * inner;
    for (int t = blockIdx.x * blockDim.x + threadIdx.x; t < n; t += gridDim.x * blockDim.x) {
        long long base = (long long) (t / inner) * channels * inner + t % inner;
        float dot = 0.0f;
        for (int c = 0; c < channels; c++) {
            long long i = base + (long long) c * inner;
            dot += dout[i] * out[i];
        }
        for (int c = 0; c < channels; c++) {
            long long i = base + (long long) c * inner;
            dinp[i] = out[i] * (dout[i] - dot);
        }
    }
}

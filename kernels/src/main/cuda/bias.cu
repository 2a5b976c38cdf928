// Bias gradient: dbias[c] += sum over (o, i) of dout[o, c, i] for dout viewed as (outer, channels, inner).
// Self-contained; see elementwise.cu for the conventions.

// The sum of every thread's s over the block (256 threads), by a shared-memory tree; every thread gets it.
__device__ __forceinline__ double block_sum(double s) {
    __shared__ double sums[256];
    sums[threadIdx.x] = s;
    __syncthreads();
    for (int half = blockDim.x / 2; half > 0; half /= 2) {
        if (threadIdx.x < half) {
            sums[threadIdx.x] += sums[threadIdx.x + half];
        }
        __syncthreads();
    }
    return sums[0];
}

// Version 1: one block of 256 threads per channel; each thread sums a strided share in double (the CPU oracle sums
// in double too, and a conv layer's channel can hold a million terms), then a shared-memory tree adds the shares.
extern "C" __global__ void bias_backward_kernel1(const float* __restrict__ dout, float* __restrict__ dbias,
                                                 int outer, int channels, int inner) {
    int c = blockIdx.x;
    int per = outer * inner;
    double s = 0.0;
    for (int t = threadIdx.x; t < per; t += blockDim.x) {
        int o = t / inner;
        int i = t - o * inner;
        s += dout[(o * channels + c) * inner + i];
    }
    double total = block_sum(s);
    if (threadIdx.x == 0) {
        dbias[c] += (float) total;
    }
}

// Version 2: a channel's sum split over `splits` blocks (block b: channel b / splits, part b % splits), each adding a
// contiguous share of the channel's outer * inner values into partial[b]; bias_backward_finish_kernel1 then adds each
// channel's partials in order. For channels of many values and few channels, where version 1's one block per channel
// would leave most of a GPU idle (AlexNet's conv1 at batch 256: 96 blocks, 774,400 values each, on 132 SMs).
// Each thread walks (o, i) incrementally, so there is one division per thread, not one per value.
extern "C" __global__ void bias_backward_kernel2(const float* __restrict__ dout, double* __restrict__ partial,
                                                 int outer, int channels, int inner, int splits) {
    int c = blockIdx.x / splits;
    int part = blockIdx.x - c * splits;
    int per = outer * inner;
    int chunk = (per + splits - 1) / splits;
    int begin = part * chunk;
    int end = min(per, begin + chunk);
    double s = 0.0;
    int t = begin + threadIdx.x;
    if (t < end) {
        int o = t / inner;
        int i = t - o * inner;
        while (t < end) {
            s += dout[((long long) o * channels + c) * inner + i];
            t += blockDim.x;
            i += blockDim.x;
            while (i >= inner) {
                i -= inner;
                o++;
            }
        }
    }
    double total = block_sum(s);
    if (threadIdx.x == 0) {
        partial[blockIdx.x] = total;
    }
}

// dbias[c] += the sum of its `splits` partials from bias_backward_kernel2, added in order.
extern "C" __global__ void bias_backward_finish_kernel1(const double* __restrict__ partial, float* __restrict__ dbias,
                                                        int channels, int splits) {
    for (int c = blockIdx.x * blockDim.x + threadIdx.x; c < channels; c += gridDim.x * blockDim.x) {
        double s = 0.0;
        for (int p = 0; p < splits; p++) {
            s += partial[(long long) c * splits + p];
        }
        dbias[c] += (float) s;
    }
}

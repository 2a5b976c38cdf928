// Bias gradient: dbias[c] += sum over (o, i) of dout[o, c, i] for dout viewed as (outer, channels, inner).
// Self-contained; see elementwise.cu for the conventions.

// Version 1: one block of 256 threads per channel; each thread sums a strided share in double (the CPU oracle sums
// in double too, and a conv layer's channel can hold a million terms), then a shared-memory tree adds the shares.
extern "C" __global__ void bias_backward_kernel1(const float* __restrict__ dout, float* __restrict__ dbias,
                                                 int outer, int channels, int inner) {
    __shared__ double sums[256];
    int c = blockIdx.x;
    int per = outer * inner;
    double s = 0.0;
    for (int t = threadIdx.x; t < per; t += blockDim.x) {
        int o = t / inner;
        int i = t - o * inner;
        s += dout[(o * channels + c) * inner + i];
    }
    sums[threadIdx.x] = s;
    __syncthreads();
    for (int half = blockDim.x / 2; half > 0; half /= 2) {
        if (threadIdx.x < half) {
            sums[threadIdx.x] += sums[threadIdx.x + half];
        }
        __syncthreads();
    }
    if (threadIdx.x == 0) {
        dbias[c] += (float) sums[0];
    }
}

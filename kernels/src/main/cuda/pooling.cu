// MAX and AVE pooling, forward and backward, with Caffe's window rules exactly as the CPU oracle (CpuPooling):
// a window starts at p * stride - pad; MAX clips it to the input, starts from -FLT_MAX and keeps the first maximum
// (strict >); AVE divides by the window clipped to [-pad, in + pad), before clipping to the input.
// STOCHASTIC pooling as Caffe's GPU kernels (reference: org.cortado.backend.cpu.CpuStochasticPooling): windows from
// p * stride, unpadded, clipped to the input.
// Arguments: planes = N * C, then the PoolGeometry fields. Self-contained; see elementwise.cu for the conventions.

// One thread per output element. mask (may be null) receives h * inW + w of the maximum in its input plane.
extern "C" __global__ void max_pool_forward_kernel1(const float* __restrict__ in, float* __restrict__ out,
                                                    float* __restrict__ mask, int planes, int inH, int inW,
                                                    int outH, int outW, int kernelH, int kernelW, int strideH,
                                                    int strideW, int padH, int padW) {
    int n = planes * outH * outW;
    for (int index = blockIdx.x * blockDim.x + threadIdx.x; index < n; index += gridDim.x * blockDim.x) {
        int pw = index % outW;
        int ph = (index / outW) % outH;
        int plane = index / (outW * outH);
        int hstart = ph * strideH - padH;
        int wstart = pw * strideW - padW;
        int hend = min(hstart + kernelH, inH);
        int wend = min(wstart + kernelW, inW);
        hstart = max(hstart, 0);
        wstart = max(wstart, 0);
        const float* src = in + (long long) plane * inH * inW;
        float best = -3.402823466e+38f;
        int arg = -1;
        for (int h = hstart; h < hend; h++) {
            for (int w = wstart; w < wend; w++) {
                float v = src[h * inW + w];
                if (v > best) {
                    best = v;
                    arg = h * inW + w;
                }
            }
        }
        out[index] = best;
        if (mask != nullptr) {
            mask[index] = (float) arg;
        }
    }
}

// One thread per input element: it gathers dout from every window that may contain it and whose recorded maximum is
// this element (Caffe's MaxPoolBackward), so no atomics are needed and dinp is overwritten.
extern "C" __global__ void max_pool_backward_kernel1(const float* __restrict__ dout, const float* __restrict__ mask,
                                                     float* __restrict__ dinp, int planes, int inH, int inW,
                                                     int outH, int outW, int kernelH, int kernelW, int strideH,
                                                     int strideW, int padH, int padW) {
    int n = planes * inH * inW;
    for (int index = blockIdx.x * blockDim.x + threadIdx.x; index < n; index += gridDim.x * blockDim.x) {
        int w = index % inW;
        int h = (index / inW) % inH;
        int plane = index / (inW * inH);
        // Windows ph with ph*stride - pad <= h < ph*stride - pad + kernel.
        int phstart = (h + padH < kernelH) ? 0 : (h + padH - kernelH) / strideH + 1;
        int phend = min((h + padH) / strideH + 1, outH);
        int pwstart = (w + padW < kernelW) ? 0 : (w + padW - kernelW) / strideW + 1;
        int pwend = min((w + padW) / strideW + 1, outW);
        float self = (float) (h * inW + w);
        long long base = (long long) plane * outH * outW;
        float g = 0.0f;
        for (int ph = phstart; ph < phend; ph++) {
            for (int pw = pwstart; pw < pwend; pw++) {
                long long o = base + ph * outW + pw;
                if (mask[o] == self) {
                    g += dout[o];
                }
            }
        }
        dinp[index] = g;
    }
}

// One thread per output element.
extern "C" __global__ void ave_pool_forward_kernel1(const float* __restrict__ in, float* __restrict__ out,
                                                    int planes, int inH, int inW, int outH, int outW, int kernelH,
                                                    int kernelW, int strideH, int strideW, int padH, int padW) {
    int n = planes * outH * outW;
    for (int index = blockIdx.x * blockDim.x + threadIdx.x; index < n; index += gridDim.x * blockDim.x) {
        int pw = index % outW;
        int ph = (index / outW) % outH;
        int plane = index / (outW * outH);
        int hstart = ph * strideH - padH;
        int wstart = pw * strideW - padW;
        int hend = min(hstart + kernelH, inH + padH);
        int wend = min(wstart + kernelW, inW + padW);
        int poolSize = (hend - hstart) * (wend - wstart);
        hstart = max(hstart, 0);
        wstart = max(wstart, 0);
        hend = min(hend, inH);
        wend = min(wend, inW);
        const float* src = in + (long long) plane * inH * inW;
        float sum = 0.0f;
        for (int h = hstart; h < hend; h++) {
            for (int w = wstart; w < wend; w++) {
                sum += src[h * inW + w];
            }
        }
        out[index] = sum / poolSize;
    }
}

// One thread per input element, gathering dout / poolSize from every window that covers it; dinp is overwritten.
extern "C" __global__ void ave_pool_backward_kernel1(const float* __restrict__ dout, float* __restrict__ dinp,
                                                     int planes, int inH, int inW, int outH, int outW, int kernelH,
                                                     int kernelW, int strideH, int strideW, int padH, int padW) {
    int n = planes * inH * inW;
    for (int index = blockIdx.x * blockDim.x + threadIdx.x; index < n; index += gridDim.x * blockDim.x) {
        int w = index % inW;
        int h = (index / inW) % inH;
        int plane = index / (inW * inH);
        int phstart = (h + padH < kernelH) ? 0 : (h + padH - kernelH) / strideH + 1;
        int phend = min((h + padH) / strideH + 1, outH);
        int pwstart = (w + padW < kernelW) ? 0 : (w + padW - kernelW) / strideW + 1;
        int pwend = min((w + padW) / strideW + 1, outW);
        const float* g = dout + (long long) plane * outH * outW;
        float sum = 0.0f;
        for (int ph = phstart; ph < phend; ph++) {
            for (int pw = pwstart; pw < pwend; pw++) {
                int hstart = ph * strideH - padH;
                int wstart = pw * strideW - padW;
                int hend = min(hstart + kernelH, inH + padH);
                int wend = min(wstart + kernelW, inW + padW);
                int poolSize = (hend - hstart) * (wend - wstart);
                sum += g[ph * outW + pw] / poolSize;
            }
        }
        dinp[index] = sum;
    }
}

// Output index's STOCHASTIC window (from p * stride, unpadded, clipped to the input): its rows and columns, and the
// offset of its plane's first input
__device__ __forceinline__ long long sto_pool_window(int index, int inH, int inW, int outH, int outW, int kernelH,
                                                     int kernelW, int strideH, int strideW, int* hstart, int* hend,
                                                     int* wstart, int* wend) {
    *hstart = (index / outW) % outH * strideH;
    *hend = min(*hstart + kernelH, inH);
    *wstart = index % outW * strideW;
    *wend = min(*wstart + kernelW, inW);
    return (long long) (index / (outW * outH)) * inH * inW;
}

// STOCHASTIC at test time, one thread per output: sum(x^2) / sum(x) over the window, 0 where the sum is not positive
extern "C" __global__ void sto_pool_test_kernel1(const float* __restrict__ in, float* __restrict__ out, int planes,
                                                 int inH, int inW, int outH, int outW, int kernelH, int kernelW,
                                                 int strideH, int strideW, int padH, int padW) {
    int n = planes * outH * outW;
    for (int index = blockIdx.x * blockDim.x + threadIdx.x; index < n; index += gridDim.x * blockDim.x) {
        int hstart, hend, wstart, wend;
        const float* src = in + sto_pool_window(index, inH, inW, outH, outW, kernelH, kernelW, strideH, strideW,
                                                &hstart, &hend, &wstart, &wend);
        float sum = 0.0f;
        float squares = 0.0f;
        for (int h = hstart; h < hend; h++) {
            for (int w = wstart; w < wend; w++) {
                float v = src[h * inW + w];
                sum += v;
                squares += v * v;
            }
        }
        out[index] = sum > 0.0f ? squares / sum : 0.0f;
    }
}

// dropout.cu's counter_uniform (org.cortado.backend.CounterRng.uniform), repeated: the files are self-contained
__device__ __forceinline__ float sto_pool_uniform(unsigned long long seed, unsigned long long index) {
    unsigned long long z = seed + (index + 1ull) * 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z = z ^ (z >> 31);
    return (float) (unsigned int) (z >> 40) * 5.9604644775390625e-08f;
}

// STOCHASTIC in training, one thread per output: the input where the window's running sum first reaches
// uniform(seed, index) * sum (the last input if none does), its plane index to mask as MAX pooling's argmax. The sums
// and the threshold use the _rn intrinsics so that the draw is the CPU's, bit for bit.
extern "C" __global__ void sto_pool_train_kernel1(const float* __restrict__ in, float* __restrict__ out,
                                                  float* __restrict__ mask, unsigned long long seed, int planes,
                                                  int inH, int inW, int outH, int outW, int kernelH, int kernelW,
                                                  int strideH, int strideW, int padH, int padW) {
    int n = planes * outH * outW;
    for (int index = blockIdx.x * blockDim.x + threadIdx.x; index < n; index += gridDim.x * blockDim.x) {
        int hstart, hend, wstart, wend;
        const float* src = in + sto_pool_window(index, inH, inW, outH, outW, kernelH, kernelW, strideH, strideW,
                                                &hstart, &hend, &wstart, &wend);
        float sum = 0.0f;
        for (int h = hstart; h < hend; h++) {
            for (int w = wstart; w < wend; w++) {
                sum = __fadd_rn(sum, src[h * inW + w]);
            }
        }
        float threshold = __fmul_rn(sto_pool_uniform(seed, (unsigned long long) index), sum);
        int chosen = (hend - 1) * inW + wend - 1;
        sum = 0.0f;
        bool found = false;
        for (int h = hstart; h < hend && !found; h++) {
            for (int w = wstart; w < wend && !found; w++) {
                sum = __fadd_rn(sum, src[h * inW + w]);
                if (sum >= threshold) {
                    chosen = h * inW + w;
                    found = true;
                }
            }
        }
        out[index] = src[chosen];
        mask[index] = (float) chosen;
    }
}

// The inference kernels on 16-bit storage (GpuBackend with Precision.BF16 or FP16: every tensor of the backend holds
// bfloat16 or IEEE half values). Each kernel takes `format` (0 = bfloat16, 1 = IEEE half), loads 16-bit values,
// computes in float32 as the float kernels do (elementwise.cu, activations.cu, pooling.cu, lrn.cu, softmax.cu; same
// order of operations), and rounds to nearest even once where it stores. Self-contained; see elementwise.cu for the
// conventions. All .cu files share one translation unit on the emulated device, so helpers here start with h16_.

// IEEE half <-> float: the hardware's conversions on the GPU (cvt, sm_53 and later); the emulated device's emu.h
// gives the same roundings through g++'s _Float16.
#ifdef __CUDA_ARCH__
__device__ __forceinline__ float h16_half_to_float(unsigned short h) {
    float f;
    asm("cvt.f32.f16 %0, %1;" : "=f"(f) : "h"(h));
    return f;
}
__device__ __forceinline__ unsigned short h16_float_to_half(float f) {
    unsigned short h;
    asm("cvt.rn.f16.f32 %0, %1;" : "=h"(h) : "f"(f));
    return h;
}
#else
__device__ __forceinline__ float h16_half_to_float(unsigned short h) {
    return emuHalfToFloat(h);
}
__device__ __forceinline__ unsigned short h16_float_to_half(float f) {
    return emuFloatToHalf(f);
}
#endif

// bfloat16 is the top half of a float: widening is exact; narrowing rounds to nearest even, NaN kept quiet (as
// float_to_bf16_kernel1).
__device__ __forceinline__ unsigned short h16_float_to_bf16(float f) {
    unsigned int bits = __float_as_uint(f);
    if ((bits & 0x7fffffffu) > 0x7f800000u) {
        return (unsigned short) ((bits >> 16) | 0x40u);
    }
    bits += 0x7fffu + ((bits >> 16) & 1u);
    return (unsigned short) (bits >> 16);
}

__device__ __forceinline__ float h16_load(const unsigned short* p, long long i, int format) {
    return format == 0 ? __uint_as_float(((unsigned int) p[i]) << 16) : h16_half_to_float(p[i]);
}

__device__ __forceinline__ void h16_store(unsigned short* p, long long i, float v, int format) {
    p[i] = format == 0 ? h16_float_to_bf16(v) : h16_float_to_half(v);
}

// float32 -> 16-bit (an upload's or a scratch's values into the backend's storage)
extern "C" __global__ void h16_from_float_kernel1(const float* __restrict__ in, unsigned short* __restrict__ out,
                                                  int format, int n) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        h16_store(out, i, in[i], format);
    }
}

// 16-bit -> float32 (exact: a download, or a layer that computes on float32 copies)
extern "C" __global__ void h16_to_float_kernel1(const unsigned short* __restrict__ in, float* __restrict__ out,
                                                int format, int n) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        out[i] = h16_load(in, i, format);
    }
}

// out = in > 0 ? in : slope * in (out may alias in), as relu_forward_kernel1
extern "C" __global__ void h16_relu_forward_kernel1(const unsigned short* in, unsigned short* out, float slope,
                                                    int format, int n) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        float v = h16_load(in, i, format);
        h16_store(out, i, v > 0.0f ? v : slope * v, format);
    }
}

// conv_epilogue_kernel1 on 16-bit data and bias: bias (when hasBias) then, with relu, the ReLU of slope 0, in the
// channel window [offset, offset + channels) of a tensor of `total` channels; also the inner product's bias
// (relu 0, total = channels, inner = 1). One rounding, at the store.
extern "C" __global__ void h16_bias_relu_kernel1(unsigned short* __restrict__ data,
                                                 const unsigned short* __restrict__ bias, int hasBias, int relu,
                                                 int channels, int inner, int total, int offset, int format, int n) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        int plane = i / inner;
        int c = plane % channels;
        int o = plane / channels;
        long long at = ((long long) o * total + offset + c) * inner + (i - plane * inner);
        float v = h16_load(data, at, format);
        if (hasBias) {
            v += h16_load(bias, c, format);
        }
        if (relu) {
            v = v > 0.0f ? v : 0.0f * v;
        }
        h16_store(data, at, v, format);
    }
}

// copy_blocks_kernel1 on 16-bit values (Concat, Slice): block b of blockLength values, src[b * srcStride + j] ->
// dst[b * dstStride + j]; a plain copy moves the bits, an accumulation adds in float and rounds.
extern "C" __global__ void h16_copy_blocks_kernel1(const unsigned short* __restrict__ src,
                                                   unsigned short* __restrict__ dst, int srcStride, int dstStride,
                                                   int blockLength, int blocks, int accumulate, int format) {
    int n = blockLength * blocks;
    for (int e = blockIdx.x * blockDim.x + threadIdx.x; e < n; e += gridDim.x * blockDim.x) {
        int b = e / blockLength;
        int j = e - b * blockLength;
        long long s = (long long) b * srcStride + j;
        long long d = (long long) b * dstStride + j;
        if (accumulate) {
            h16_store(dst, d, h16_load(dst, d, format) + h16_load(src, s, format), format);
        } else {
            dst[d] = src[s];
        }
    }
}

// max_pool_forward_kernel1 without the mask (inference): the maximum of a window is one of its inputs, so the output
// is exact.
extern "C" __global__ void h16_max_pool_forward_kernel1(const unsigned short* __restrict__ in,
                                                        unsigned short* __restrict__ out, int planes, int inH,
                                                        int inW, int outH, int outW, int kernelH, int kernelW,
                                                        int strideH, int strideW, int padH, int padW, int format) {
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
        long long src = (long long) plane * inH * inW;
        float best = -3.402823466e+38f;
        for (int h = hstart; h < hend; h++) {
            for (int w = wstart; w < wend; w++) {
                float v = h16_load(in, src + h * inW + w, format);
                if (v > best) {
                    best = v;
                }
            }
        }
        h16_store(out, index, best, format);
    }
}

// ave_pool_forward_kernel1: the window's float sum divided by its padded size, rounded once.
extern "C" __global__ void h16_ave_pool_forward_kernel1(const unsigned short* __restrict__ in,
                                                        unsigned short* __restrict__ out, int planes, int inH,
                                                        int inW, int outH, int outW, int kernelH, int kernelW,
                                                        int strideH, int strideW, int padH, int padW, int format) {
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
        long long src = (long long) plane * inH * inW;
        float sum = 0.0f;
        for (int h = hstart; h < hend; h++) {
            for (int w = wstart; w < wend; w++) {
                sum += h16_load(in, src + h * inW + w, format);
            }
        }
        h16_store(out, index, sum / poolSize, format);
    }
}

// lrn_across_forward_kernel1: one thread per (n, pixel) walking the channels; the sums of squares in float. The scale
// is stored too (16-bit), for the layer's scratch; nothing reads it at inference.
extern "C" __global__ void h16_lrn_across_forward_kernel1(const unsigned short* __restrict__ in,
                                                          unsigned short* __restrict__ out,
                                                          unsigned short* __restrict__ scale, int num, int channels,
                                                          int hw, int size, float alphaOverSize, float beta, float k,
                                                          int format) {
    int n = num * hw;
    int prePad = (size - 1) / 2;
    for (int t = blockIdx.x * blockDim.x + threadIdx.x; t < n; t += gridDim.x * blockDim.x) {
        long long base = (long long) (t / hw) * channels * hw + t % hw;
        for (int c = 0; c < channels; c++) {
            int lo = max(0, c - prePad);
            int hi = min(channels - 1, c + size - prePad - 1);
            float sum = 0.0f;
            for (int q = lo; q <= hi; q++) {
                float v = h16_load(in, base + (long long) q * hw, format);
                sum += v * v;
            }
            long long i = base + (long long) c * hw;
            float s = k + alphaOverSize * sum;
            h16_store(scale, i, s, format);
            h16_store(out, i, h16_load(in, i, format) * powf(s, -beta), format);
        }
    }
}

// lrn_within_forward_kernel1, one thread per element.
extern "C" __global__ void h16_lrn_within_forward_kernel1(const unsigned short* __restrict__ in,
                                                          unsigned short* __restrict__ out,
                                                          unsigned short* __restrict__ scale, int planes, int height,
                                                          int width, int size, float alphaOverArea, float beta,
                                                          int format) {
    int n = planes * height * width;
    int pad = (size - 1) / 2;
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        int x = i % width;
        int y = (i / width) % height;
        long long p = (long long) (i / (width * height)) * height * width;
        float sum = 0.0f;
        for (int yy = max(0, y - pad); yy <= min(height - 1, y + pad); yy++) {
            for (int xx = max(0, x - pad); xx <= min(width - 1, x + pad); xx++) {
                float v = h16_load(in, p + yy * width + xx, format);
                sum += v * v;
            }
        }
        float s = 1.0f + alphaOverArea * sum;
        h16_store(scale, i, s, format);
        h16_store(out, i, h16_load(in, i, format) * powf(s, -beta), format);
    }
}

// softmax_forward_kernel1: one thread per (o, i) position walking the channels, in float, each output rounded once
// (the exponentials are recomputed rather than stored at 16 bits and rescaled).
extern "C" __global__ void h16_softmax_forward_kernel1(const unsigned short* __restrict__ in,
                                                       unsigned short* __restrict__ out, int outer, int channels,
                                                       int inner, int format) {
    int n = outer * inner;
    for (int t = blockIdx.x * blockDim.x + threadIdx.x; t < n; t += gridDim.x * blockDim.x) {
        long long base = (long long) (t / inner) * channels * inner + t % inner;
        float mx = -3.402823466e+38f;
        for (int c = 0; c < channels; c++) {
            mx = fmaxf(mx, h16_load(in, base + (long long) c * inner, format));
        }
        float sum = 0.0f;
        for (int c = 0; c < channels; c++) {
            sum += expf(h16_load(in, base + (long long) c * inner, format) - mx);
        }
        float inv = 1.0f / sum;
        for (int c = 0; c < channels; c++) {
            long long i = base + (long long) c * inner;
            h16_store(out, i, expf(h16_load(in, i, format) - mx) * inv, format);
        }
    }
}

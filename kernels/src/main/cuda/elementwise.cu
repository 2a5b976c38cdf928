// Elementwise and per-channel kernels of the GPU backend (org.cortado.gpu.GpuBackend).
//
// Every .cu file here is self-contained (no #include) so that it compiles three ways: nvcc -ptx at build time,
// NVRTC at run time on drivers too old for the build's PTX, and nothing else needs headers. Kernels are extern "C"
// so their PTX names are the names below, and numbered (name_kernelN) as in llm.c: a faster version gets a new
// number beside the old one, and the Java side names the version it launches. Loops are grid-stride so that any
// grid size is correct; tensors are dense row-major float32, and "outer, channels, inner" views follow Backend.

// y = alpha * x + beta * y
extern "C" __global__ void axpby_kernel1(const float* __restrict__ x, float* __restrict__ y, float alpha, float beta,
                                         int n) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        y[i] = alpha * x[i] + beta * y[i];
    }
}

// out = a * b (out may alias a or b)
extern "C" __global__ void multiply_kernel1(const float* a, const float* b, float* out, int n) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        out[i] = a[i] * b[i];
    }
}

// data[o, c, i] += bias[c] over n = outer * channels * inner elements
extern "C" __global__ void add_bias_kernel1(float* __restrict__ data, const float* __restrict__ bias, int channels,
                                            int inner, int n) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        data[i] += bias[(i / inner) % channels];
    }
}

// A convolution's output of `channels` channels written at channel `offset` of a tensor of `total` channels (a
// concat's slice, or the whole tensor: total = channels, offset 0): over its n = outer * channels * inner elements,
// v = data + bias[c] (when hasBias), then with relu v > 0 ? v : 0 * v, as relu_forward_kernel1 with slope 0, so that
// the result is add_bias_kernel1's and relu_forward_kernel1's to the bit
extern "C" __global__ void conv_epilogue_kernel1(float* __restrict__ data, const float* __restrict__ bias, int hasBias,
                                                 int relu, int channels, int inner, int total, int offset, int n) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        int plane = i / inner;
        int c = plane % channels;
        int o = plane / channels;
        long long at = ((long long) o * total + offset + c) * inner + (i - plane * inner);
        float v = data[at];
        if (hasBias) {
            v += bias[c];
        }
        if (relu) {
            v = v > 0.0f ? v : 0.0f * v;
        }
        data[at] = v;
    }
}

// out[o, c, i] = in[o, c, i] * scale[c] + (bias ? bias[c] : 0); out may alias in (the Scale layer runs in place)
extern "C" __global__ void channel_affine_kernel1(const float* in, const float* __restrict__ scale,
                                                  const float* __restrict__ bias, float* out, int channels, int inner,
                                                  int n) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        int c = (i / inner) % channels;
        out[i] = in[i] * scale[c] + (bias != nullptr ? bias[c] : 0.0f);
    }
}

// Block b of blockLength elements: src[b * srcStride + j] -> dst[b * dstStride + j], added when accumulate != 0.
// The pointers arrive already offset to the first block (Concat, Slice and their backward passes).
extern "C" __global__ void copy_blocks_kernel1(const float* __restrict__ src, float* __restrict__ dst, int srcStride,
                                               int dstStride, int blockLength, int blocks, int accumulate) {
    int n = blockLength * blocks;
    for (int e = blockIdx.x * blockDim.x + threadIdx.x; e < n; e += gridDim.x * blockDim.x) {
        int b = e / blockLength;
        int j = e - b * blockLength;
        float v = src[b * srcStride + j];
        float* d = dst + b * dstStride + j;
        *d = accumulate ? *d + v : v;
    }
}

// One step of Eltwise MAX over inputs 1..K-1 after out = input 0, mask = 0: a strictly greater value wins, so ties go
// to the earliest input, as Caffe's EltwiseLayer does. mask may be null.
extern "C" __global__ void eltwise_max_step_kernel1(const float* __restrict__ x, float* __restrict__ out,
                                                    float* __restrict__ mask, float index, int n) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        float v = x[i];
        if (v > out[i]) {
            out[i] = v;
            if (mask != nullptr) {
                mask[i] = index;
            }
        }
    }
}

// dinp = mask == index ? dout : 0
extern "C" __global__ void eltwise_max_backward_kernel1(const float* __restrict__ dout, const float* __restrict__ mask,
                                                        float index, float* __restrict__ dinp, int n) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        dinp[i] = mask[i] == index ? dout[i] : 0.0f;
    }
}

// partial[blockIdx.x] = sum of x^2 over the elements this block visits, in double, reduced in shared memory.
// Launched with 256 threads per block; the host adds the (at most a few hundred) partials in a fixed order, so the
// result does not depend on scheduling.
extern "C" __global__ void sum_squares_kernel1(const float* __restrict__ x, double* __restrict__ partial, int n) {
    __shared__ double sums[256];
    double s = 0.0;
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        double v = x[i];
        s += v * v;
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
        partial[blockIdx.x] = sums[0];
    }
}

// float32 -> bfloat16 with round-to-nearest-even (NaN kept quiet), for the BF16 math mode's cuDNN inputs.
extern "C" __global__ void float_to_bf16_kernel1(const float* __restrict__ in, unsigned short* __restrict__ out,
                                                 int n) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        unsigned int bits = __float_as_uint(in[i]);
        if ((bits & 0x7fffffffu) > 0x7f800000u) {
            out[i] = (unsigned short) ((bits >> 16) | 0x40u);
        } else {
            bits += 0x7fffu + ((bits >> 16) & 1u);
            out[i] = (unsigned short) (bits >> 16);
        }
    }
}

// bfloat16 -> float32 (exact)
extern "C" __global__ void bf16_to_float_kernel1(const unsigned short* __restrict__ in, float* __restrict__ out,
                                                 int n) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        out[i] = __uint_as_float(((unsigned int) in[i]) << 16);
    }
}

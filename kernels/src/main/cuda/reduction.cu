// Per-row reductions of Caffe's Reduction, MVN and ArgMax layers (LayerOps: reduceRows, mvnForward, argMax and their
// backward passes; reference: org.cortado.backend.cpu.CpuReductions). A row is dim consecutive values; a block of 256
// threads takes a row, each thread a strided share summed in double, a shared-memory tree the shares. Rows are
// grid-strided over the blocks. Self-contained; see elementwise.cu for the conventions.

// The sum of every thread's s over the block (256 threads), returned to every thread; the trailing barrier lets the
// next call reuse the shared array.
__device__ __forceinline__ double reduction_block_sum(double s) {
    __shared__ double rowSums[256];
    rowSums[threadIdx.x] = s;
    __syncthreads();
    for (int half = blockDim.x / 2; half > 0; half /= 2) {
        if (threadIdx.x < half) {
            rowSums[threadIdx.x] += rowSums[threadIdx.x + half];
        }
        __syncthreads();
    }
    double total = rowSums[0];
    __syncthreads();
    return total;
}

// out[r] = coeff * sum over the row of g(x), g by op: 0 x, 1 |x|, 2 x^2 (RowReduction's ordinal)
extern "C" __global__ void reduce_rows_kernel1(const float* __restrict__ in, float* __restrict__ out, int op, int rows,
                                               int dim, float coeff) {
    for (int r = blockIdx.x; r < rows; r += gridDim.x) {
        const float* x = in + (long long) r * dim;
        double s = 0.0;
        for (int j = threadIdx.x; j < dim; j += blockDim.x) {
            float v = x[j];
            s += op == 0 ? (double) v : op == 1 ? (double) fabsf(v) : (double) (v * v);
        }
        double total = reduction_block_sum(s);
        if (threadIdx.x == 0) {
            float f = (float) total;
            out[r] = coeff == 1.0f ? f : f * coeff;
        }
    }
}

// dinp[r, j] = b * g'(x) with b = dout[r] * coeff: b, sign(x) b, 2 b x
extern "C" __global__ void reduce_rows_backward_kernel1(const float* __restrict__ in, const float* __restrict__ dout,
                                                        float* __restrict__ dinp, int op, int dim, float coeff, int n) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        float b = dout[i / dim] * coeff;
        float x = in[i];
        dinp[i] = op == 0 ? b : op == 1 ? ((0.0f < x ? 1.0f : 0.0f) - (x < 0.0f ? 1.0f : 0.0f)) * b : 2.0f * b * x;
    }
}

// MVN per row: out = x - mean; with normalizeVariance, divided by std[r] = sqrt(mean((x - mean)^2)) + eps
extern "C" __global__ void mvn_forward_kernel1(const float* __restrict__ in, float* __restrict__ out,
                                               float* __restrict__ std, int rows, int dim, int normalizeVariance,
                                               float eps) {
    for (int r = blockIdx.x; r < rows; r += gridDim.x) {
        const float* x = in + (long long) r * dim;
        float* y = out + (long long) r * dim;
        double s = 0.0;
        for (int j = threadIdx.x; j < dim; j += blockDim.x) {
            s += x[j];
        }
        float mean = (float) (reduction_block_sum(s) / dim);
        double squares = 0.0;
        for (int j = threadIdx.x; j < dim; j += blockDim.x) {
            float c = x[j] - mean;
            y[j] = c;
            squares += (double) (c * c);
        }
        double total = reduction_block_sum(squares);
        if (normalizeVariance) {
            float sd = sqrtf((float) (total / dim)) + eps;
            if (threadIdx.x == 0) {
                std[r] = sd;
            }
            for (int j = threadIdx.x; j < dim; j += blockDim.x) {
                y[j] = y[j] / sd;
            }
        }
    }
}

// MVN's backward (Caffe's formula): dinp = (dout - (sum(dout y) y + sum(dout)) / dim) / std with normalizeVariance,
// else dout - mean(dout); the row's sums are complete before any dinp is written, so dinp may alias dout
extern "C" __global__ void mvn_backward_kernel1(const float* __restrict__ out, const float* __restrict__ std,
                                                const float* dout, float* dinp, int rows, int dim,
                                                int normalizeVariance) {
    for (int r = blockIdx.x; r < rows; r += gridDim.x) {
        const float* y = out + (long long) r * dim;
        const float* dy = dout + (long long) r * dim;
        float* dx = dinp + (long long) r * dim;
        double sumDy = 0.0;
        double sumDyY = 0.0;
        for (int j = threadIdx.x; j < dim; j += blockDim.x) {
            sumDy += dy[j];
            sumDyY += (double) (dy[j] * y[j]);
        }
        float b = (float) reduction_block_sum(sumDy);
        float a = (float) reduction_block_sum(sumDyY);
        if (normalizeVariance) {
            float sd = std[r];
            float k = -1.0f / dim;
            for (int j = threadIdx.x; j < dim; j += blockDim.x) {
                dx[j] = (dy[j] + k * (a * y[j] + b)) / sd;
            }
        } else {
            float mean = (float) ((double) b / dim);
            for (int j = threadIdx.x; j < dim; j += blockDim.x) {
                dx[j] = dy[j] - mean;
            }
        }
    }
}

// ArgMax (TopK): one thread per (o, i) position; k passes, each taking the largest (value, index) pair below the
// previous one, which is Caffe's order (larger value first, between equal values the larger index first)
extern "C" __global__ void argmax_kernel1(const float* __restrict__ in, float* __restrict__ out, int outer, int dim,
                                          int inner, int k, int outerStride, int indexOffset, int valueOffset) {
    int n = outer * inner;
    for (int p = blockIdx.x * blockDim.x + threadIdx.x; p < n; p += gridDim.x * blockDim.x) {
        int o = p / inner;
        int i = p - o * inner;
        const float* x = in + (long long) o * dim * inner + i;
        float prevValue = __uint_as_float(0x7f800000u);
        int prevIndex = 0x7fffffff;
        for (int j = 0; j < k; j++) {
            float bestValue = -__uint_as_float(0x7f800000u);
            int bestIndex = -1;
            for (int d = 0; d < dim; d++) {
                float v = x[(long long) d * inner];
                bool below = v < prevValue || (v == prevValue && d < prevIndex);
                bool better = bestIndex < 0 || v > bestValue || (v == bestValue && d > bestIndex);
                if (below && better) {
                    bestValue = v;
                    bestIndex = d;
                }
            }
            long long at = (long long) o * outerStride + (long long) j * inner + i;
            if (indexOffset >= 0) {
                out[at + indexOffset] = (float) bestIndex;
            }
            if (valueOffset >= 0) {
                out[at + valueOffset] = bestValue;
            }
            prevValue = bestValue;
            prevIndex = bestIndex;
        }
    }
}

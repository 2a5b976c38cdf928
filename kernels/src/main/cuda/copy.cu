// Copies of Crop (a window of an N-dimensional tensor) and Embed (rows picked by index) (LayerOps: copyWindow,
// embedForward, embedBackward; reference: org.cortado.backend.cpu.CpuCopies). Self-contained; see elementwise.cu.

// A window of 4 axes (the backend merges and pads a crop to 4): small (s0, s1, s2, s3) and the window of big
// (b0, b1, b2, b3) that starts at (o0, o1, o2, o3); one thread per element of small, copied into small, or into big
// with intoBig (the rest of big is left as it is).
extern "C" __global__ void copy_window_kernel1(float* big, float* small, int intoBig, int s1, int s2, int s3, int b1,
                                               int b2, int b3, int o0, int o1, int o2, int o3, int n) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        int i3 = i % s3;
        int rest = i / s3;
        int i2 = rest % s2;
        rest /= s2;
        int i1 = rest % s1;
        int i0 = rest / s1;
        long long at = (((long long) (i0 + o0) * b1 + i1 + o1) * b2 + i2 + o2) * b3 + i3 + o3;
        if (intoBig) {
            big[at] = small[i];
        } else {
            small[i] = big[at];
        }
    }
}

// Embed: out[m, j] = weight[index[m], j], one thread per output element (the indices were checked before)
extern "C" __global__ void embed_forward_kernel1(const float* __restrict__ indices, const float* __restrict__ weight,
                                                 float* __restrict__ out, int numOutput, int n) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        int m = i / numOutput;
        out[i] = weight[(long long) (int) indices[m] * numOutput + (i - m * numOutput)];
    }
}

// Embed's weight gradient: dweight[index[m], j] += dout[m, j], one thread per column j adding the rows in order of m,
// so that repeated indices add up without atomics and in the CPU's order (the same float sums, bit for bit)
extern "C" __global__ void embed_backward_kernel1(const float* __restrict__ indices, const float* __restrict__ dout,
                                                  float* __restrict__ dweight, int rows, int numOutput) {
    for (int j = blockIdx.x * blockDim.x + threadIdx.x; j < numOutput; j += gridDim.x * blockDim.x) {
        for (int m = 0; m < rows; m++) {
            long long at = (long long) (int) indices[m] * numOutput + j;
            dweight[at] = dweight[at] + dout[(long long) m * numOutput + j];
        }
    }
}

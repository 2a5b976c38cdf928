// Dropout with a counter-based generator: element i is kept when uniform(seed, i) >= ratio and then scaled by
// 1 / (1 - ratio), so the mask is a pure function of (seed, i) and equals the CPU's. The arithmetic below is
// org.cortado.backend.CounterRng (SplitMix64's output step over seed + (i + 1) * gamma) in 64-bit unsigned integers,
// which wrap exactly as Java's long does; change both or neither. Self-contained; see elementwise.cu.

__device__ __forceinline__ float counter_uniform(unsigned long long seed, unsigned long long index) {
    unsigned long long z = seed + (index + 1ull) * 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z = z ^ (z >> 31);
    // top 24 bits times 2^-24: exact in float, as CounterRng.uniform
    return (float) (unsigned int) (z >> 40) * 5.9604644775390625e-08f;
}

// out = keep ? in * scale : 0; indexOffset is the tensor-wide index of element 0 (for a tensor processed in parts).
extern "C" __global__ void dropout_forward_kernel1(const float* in, float* out, unsigned long long seed,
                                                  long long indexOffset, float ratio, float scale, int n) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        out[i] = counter_uniform(seed, (unsigned long long) (indexOffset + i)) >= ratio ? in[i] * scale : 0.0f;
    }
}

// dinp = keep ? dout * scale : 0, the mask regenerated from the seed rather than stored.
extern "C" __global__ void dropout_backward_kernel1(const float* dout, float* dinp, unsigned long long seed,
                                                   long long indexOffset, float ratio, float scale, int n) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        dinp[i] = counter_uniform(seed, (unsigned long long) (indexOffset + i)) >= ratio ? dout[i] * scale : 0.0f;
    }
}

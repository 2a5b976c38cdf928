// Training-time dropout mask with a counter-based generator: element i is kept when uniform(seed, i) >= ratio, and a
// kept element holds the scale 1 / (1 - ratio), so forward (out = in * mask) and backward (dinp = dout * mask) are
// products. The mask is a pure function of (seed, i) and equals the CPU's (org.cortado.backend.UpdateKernels
// .dropoutMask): the arithmetic below is org.cortado.backend.CounterRng (SplitMix64's output step over
// seed + (i + 1) * gamma) in 64-bit unsigned integers, which wrap exactly as Java's long does; change both or
// neither. Self-contained; see elementwise.cu.

__device__ __forceinline__ float counter_uniform(unsigned long long seed, unsigned long long index) {
    unsigned long long z = seed + (index + 1ull) * 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z = z ^ (z >> 31);
    // top 24 bits times 2^-24: exact in float, as CounterRng.uniform
    return (float) (unsigned int) (z >> 40) * 5.9604644775390625e-08f;
}

// mask[i] = uniform(seed, i) >= ratio ? keepScale : 0, keepScale = 1 / (1 - ratio) computed by the host in float (as
// the CPU does), so that the kept value has the CPU's bits.
extern "C" __global__ void dropout_mask_kernel1(float* __restrict__ mask, unsigned long long seed, float ratio,
                                               float keepScale, int n) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        mask[i] = counter_uniform(seed, (unsigned long long) i) >= ratio ? keepScale : 0.0f;
    }
}

// Compiles the engine's CUDA kernels (src/main/cuda/*.cu) as plain C++ for the emulated device of the tests
// (EmulatedDevice.java). A launch runs its blocks one after another with ONE thread each (blockDim = 1): every kernel
// is written with grid-stride loops, so one thread per block covers all the work, and the shared-memory reductions
// degenerate to that thread's own sum. This checks each kernel's indexing and arithmetic against the CPU oracle on a
// machine without a GPU; it does not model concurrency (races, barriers), which only the GPU tests see.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

struct EmuDim3 {
    unsigned int x, y, z;
};
extern EmuDim3 threadIdx, blockIdx, blockDim, gridDim;

#define __global__
#define __device__
#define __forceinline__ inline
#define __shared__ static
inline void __syncthreads() {}
using std::max;
using std::min;
inline unsigned int __float_as_uint(float f) {
    unsigned int u;
    std::memcpy(&u, &f, sizeof u);
    return u;
}
inline float __uint_as_float(unsigned int u) {
    float f;
    std::memcpy(&f, &u, sizeof f);
    return f;
}
// CUDA's round-to-nearest intrinsics, which nvcc never fuses into an FMA: plain float operations here, since x86-64's
// SSE arithmetic rounds each one to nearest and EmulatedDevice compiles with -ffp-contract=off (no fusing at all).
inline float __fadd_rn(float a, float b) {
    return a + b;
}
inline float __fsub_rn(float a, float b) {
    return a - b;
}
inline float __fmul_rn(float a, float b) {
    return a * b;
}
inline float __fdiv_rn(float a, float b) {
    return a / b;
}
inline float __fsqrt_rn(float a) {
    return std::sqrt(a);
}

// Compiles the engine's CUDA kernels (src/main/cuda/*.cu) as plain C++ for the tests' emulated devices
// (EmulatedDevice.java's server and HostCuda.java's libcuda). A launch runs its blocks one after another, each with the
// launch's blockDim threads as fibers and __syncthreads() a real barrier (emu_blocks.h), so the kernels' indexing,
// arithmetic, shared-memory trees and barriers are checked against the CPU oracle on a machine without a GPU. Threads
// between two barriers run one after another, not at once; built with ThreadSanitizer, the server reports the races
// that this order hides (emu_blocks.h).
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
// static: a __shared__ array inside an inline function would otherwise go to a COMDAT copy of the section, which g++
// refuses to merge with the plain one ("section type conflict").
#define __forceinline__ static inline
// Shared memory: a block's static arrays, all in one section so that emu_blocks.h can fill it with 0xff bytes (NaN)
// before a block that may use it, as uninitialised shared memory holds garbage on a GPU.
#define __shared__ static __attribute__((section("emu_shared")))
// The barrier (emu_blocks.h); the macro passes the call's place, which a barrier error names.
void emuSyncthreads(const char* file, int line);
#define __syncthreads() emuSyncthreads(__FILE__, __LINE__)
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
// IEEE half conversions for half.cu, which uses the GPU's cvt instructions where nvcc or NVRTC compiles it: g++'s
// _Float16 (x86-64, GCC 12 and later) converts with the same round to nearest even.
inline float emuHalfToFloat(unsigned short h) {
    _Float16 v;
    std::memcpy(&v, &h, sizeof h);
    return static_cast<float>(v);
}
inline unsigned short emuFloatToHalf(float f) {
    _Float16 v = static_cast<_Float16>(f);
    unsigned short h;
    std::memcpy(&h, &v, sizeof h);
    return h;
}

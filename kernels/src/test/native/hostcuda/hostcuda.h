// Host CUDA: the private interface between the CPU stand-ins of libcuda.so.1 (driver.cpp), libcublas.so.13
// (cublas.cpp) and libcudnn.so.9 (cudnn.cpp). The driver owns "device" memory (host memory, 256-byte aligned, filled
// with 0xff bytes so that a read of memory nothing wrote is a NaN), the streams (one worker thread each, draining a
// queue) and stream capture; the libraries queue their work on a stream through it, as the real ones launch kernels.
// See HostCuda.java and kernels/README.md ("Host CUDA").
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#define HC_API extern "C" __attribute__((visibility("default")))

// A device range [address, address + bytes) that a queued operation touches: checked against the live allocations when
// it is queued, and again when a captured graph is launched (an allocation freed in between is a use after free).
struct HcRange {
    uint64_t address;
    uint64_t bytes;
    std::string what;  // "A", "workspace", ...
};

// The outcome of a device-side check: empty, or the message printed to stderr (and returned to the caller as an error).
HC_API bool hostcuda_check_ranges(const char* call, const std::vector<HcRange>* ranges);

// Queues `work` on `stream` (0 = the legacy default stream) after its ranges were checked, or records it when the
// stream is capturing. Returns 0 (CUDA_SUCCESS) or the CUresult of the failure, whose reason went to stderr.
HC_API int hostcuda_enqueue(void* stream, const char* call, const std::vector<HcRange>* ranges,
                            const std::function<void()>* work);

// Waits for the stream's queued work, as the real libraries do where they synchronise (cudnnFind*). Fails, and
// invalidates the capture, when the stream is capturing (a synchronisation cannot be captured).
HC_API int hostcuda_stream_synchronize(void* stream, const char* call);

// Whether `stream` is 0 or a live stream of this driver.
HC_API bool hostcuda_stream_valid(void* stream);

// The device's compute capability (major * 10 + minor), for the libraries' choice of math (TF32 needs 8.0).
HC_API int hostcuda_compute_capability();

// Prints "hostcuda: <call>: <message>" on stderr, one line, flushed.
HC_API void hostcuda_report(const char* call, const std::string* message);

namespace hc {
// bfloat16 / TF32 roundings to nearest even, as the tensor cores' conversions do; NaN stays a quiet NaN.
inline float roundMantissa(float v, int droppedBits) {
    uint32_t u;
    __builtin_memcpy(&u, &v, 4);
    if ((u & 0x7fffffffu) > 0x7f800000u) {
        u |= 0x00400000u;
    } else {
        uint32_t half = (1u << (droppedBits - 1)) - 1;
        u += half + ((u >> droppedBits) & 1u);
    }
    u &= ~((1u << droppedBits) - 1);
    float out;
    __builtin_memcpy(&out, &u, 4);
    return out;
}
inline float toTf32(float v) {
    return roundMantissa(v, 13);
}
inline float toBf16(float v) {
    return roundMantissa(v, 16);
}
inline float bf16Load(const uint16_t* p) {
    uint32_t u = static_cast<uint32_t>(*p) << 16;
    float f;
    __builtin_memcpy(&f, &u, 4);
    return f;
}
inline void bf16Store(uint16_t* p, float v) {
    float r = toBf16(v);
    uint32_t u;
    __builtin_memcpy(&u, &r, 4);
    *p = static_cast<uint16_t>(u >> 16);
}
// IEEE half through g++'s _Float16 (x86-64, GCC 12 and later): round to nearest even, as the GPU's conversions.
inline float halfLoad(const uint16_t* p) {
    _Float16 v;
    __builtin_memcpy(&v, p, 2);
    return static_cast<float>(v);
}
inline void halfStore(uint16_t* p, float v) {
    _Float16 h = static_cast<_Float16>(v);
    __builtin_memcpy(p, &h, 2);
}
}  // namespace hc

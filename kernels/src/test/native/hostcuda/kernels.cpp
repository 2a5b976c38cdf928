// The kernel bodies of the driver stand-in: the engine's .cu sources compiled as C++ through the emulated device's
// emu.h (one thread per block, blocks one after another; see emu.h), each with its C++ signature, so that
// cuLaunchKernel can copy its parameters from `void** kernelParams` by size at launch time and call it later.
// Built with kernel_sources.inc (#include of each .cu) and kernel_names.inc (KERNEL(name) per kernel), which
// HostCuda.java writes as EmulatedDevice does.
#include "kernels.h"

#include <cstring>
#include <map>
#include <tuple>
#include <type_traits>
#include <utility>

#include "emu.h"

EmuDim3 threadIdx, blockIdx, blockDim, gridDim;

#include "kernel_sources.inc"

namespace {

template <typename T>
char kindOf() {
    if constexpr (std::is_pointer_v<T>) {
        return 'P';
    } else if constexpr (std::is_floating_point_v<T>) {
        return 'F';
    } else {
        return 'I';
    }
}

template <typename... A, size_t... I>
void runPacked(void (*kernel)(A...), const unsigned char* packed, const std::vector<size_t>& offsets, unsigned gx,
               unsigned gy, unsigned gz, std::index_sequence<I...>) {
    std::tuple<A...> values;
    ((std::memcpy(&std::get<I>(values), packed + offsets[I], sizeof(A))), ...);
    gridDim = {gx, gy, gz};
    blockDim = {1, 1, 1};
    threadIdx = {0, 0, 0};
    for (unsigned z = 0; z < gz; z++) {
        for (unsigned y = 0; y < gy; y++) {
            for (unsigned x = 0; x < gx; x++) {
                blockIdx = {x, y, z};
                std::apply(kernel, values);
            }
        }
    }
}

template <typename... A>
HcKernel describe(const char* name, void (*kernel)(A...)) {
    HcKernel k;
    k.name = name;
    k.sizes = {sizeof(A)...};
    k.kinds = {kindOf<A>()...};
    size_t at = 0;
    for (size_t s : k.sizes) {
        at = (at + s - 1) / s * s;
        k.offsets.push_back(at);
        at += s;
    }
    k.packedBytes = at;
    std::vector<size_t> offsets = k.offsets;
    k.run = [kernel, offsets](const unsigned char* packed, unsigned gx, unsigned gy, unsigned gz) {
        runPacked(kernel, packed, offsets, gx, gy, gz, std::index_sequence_for<A...>{});
    };
    return k;
}

const std::map<std::string, HcKernel>& registry() {
    static const std::map<std::string, HcKernel> kernels = {
#define KERNEL(name) {#name, describe(#name, name)},
#include "kernel_names.inc"
#undef KERNEL
    };
    return kernels;
}

}  // namespace

const HcKernel* hcFindKernel(const std::string& name) {
    auto it = registry().find(name);
    return it == registry().end() ? nullptr : &it->second;
}

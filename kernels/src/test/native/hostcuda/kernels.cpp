// The kernel bodies of the driver stand-in: the engine's .cu sources compiled as C++ through the emulated device's
// emu.h (blocks one after another, each with its threads as fibers; see emu_blocks.h), each with its C++ signature, so that
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
#include "emu_blocks.h"

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
std::string runPacked(void (*kernel)(A...), const unsigned char* packed, const std::vector<size_t>& offsets,
                      const unsigned (&grid)[3], const unsigned (&block)[3], std::index_sequence<I...>) {
    std::tuple<A...> values;
    ((std::memcpy(&std::get<I>(values), packed + offsets[I], sizeof(A))), ...);
    return emuRunGrid({grid[0], grid[1], grid[2]}, {block[0], block[1], block[2]},
                      [&] { std::apply(kernel, values); });
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
    k.run = [kernel, offsets](const unsigned char* packed, const unsigned (&grid)[3], const unsigned (&block)[3]) {
        return runPacked(kernel, packed, offsets, grid, block, std::index_sequence_for<A...>{});
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

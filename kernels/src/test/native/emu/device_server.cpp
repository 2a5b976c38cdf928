// The emulated device: a process that owns "device" memory (plain host memory) and runs the engine's kernels on the
// CPU (see emu.h), driven over stdin/stdout by EmulatedDevice.java with little-endian binary messages:
//   'M' bytes:u64                       -> address:u64          malloc, filled with 0xff bytes
//   'F' address:u64                     ->                      free
//   'S' dst:u64 value:u32 count:u64     ->                      memset of 32-bit words
//   'C' dst:u64 src:u64 bytes:u64       ->                      copy
//   'U' dst:u64 count:u32 floats        ->                      upload
//   'B' dst:u64 count:u32 bytes         ->                      upload of bytes
//   'D' src:u64 count:u32               -> floats               download
//   'K' name grid:u32 block:u32 argc:u16 args ->                launch; name = u16 length + bytes; each argument a
//                                                               tag ('P' pointer, 'L' 64-bit, 'I' int, 'F' float) and
//                                                               8 bytes (low bytes used for I and F)
//   'G' ta:u8 tb:u8 m n k:i32 alpha:f32 a:u64 lda:i32 b:u64 ldb:i32 beta:f32 c:u64 ldc:i32 -> column-major sgemm
// Every reply starts with a status byte: 0, or 1 followed by a u16-length message (unknown kernel, argument of the
// wrong kind or count, threads of a block that do not meet at one barrier). Built with AddressSanitizer where the
// compiler has it: "device" memory is the allocations themselves, so a kernel that reads or writes past a buffer
// stops the server with ASan's report on standard error. The kernels come from two files the test writes: kernel_sources.inc (#include of each .cu) and
// kernel_names.inc (a KERNEL(name) line per kernel).
#include "emu.h"
#include "emu_blocks.h"

#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "kernel_sources.inc"

struct Arg {
    char tag;
    uint64_t bits;
};

static std::string error;
static EmuDim3 launchGrid, launchBlock;

template <typename T>
static T as(const Arg& a, int index) {
    char want;
    if constexpr (std::is_pointer_v<T>) {
        want = 'P';
    } else if constexpr (std::is_floating_point_v<T>) {
        want = 'F';
    } else if constexpr (sizeof(T) == 8) {
        want = 'L';
    } else {
        want = 'I';
    }
    if (a.tag != want && !(want == 'L' && a.tag == 'P') && !(want == 'P' && a.tag == 'L')) {
        error = "argument " + std::to_string(index) + ": the kernel takes " + std::string(1, want) + ", got " +
                std::string(1, a.tag);
    }
    if constexpr (std::is_pointer_v<T>) {
        return reinterpret_cast<T>(static_cast<uintptr_t>(a.bits));
    } else if constexpr (std::is_same_v<T, float>) {
        float f;
        uint32_t low = static_cast<uint32_t>(a.bits);
        std::memcpy(&f, &low, 4);
        return f;
    } else {
        return static_cast<T>(sizeof(T) == 8 ? a.bits : static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(a.bits))));
    }
}

template <typename... A, size_t... I>
static void call(void (*kernel)(A...), const std::vector<Arg>& args, std::index_sequence<I...>) {
    std::tuple<A...> values{as<A>(args[I], static_cast<int>(I))...};
    if (!error.empty()) {
        return;
    }
    error = emuRunGrid(launchGrid, launchBlock, [&] { std::apply(kernel, values); });
}

template <typename... A>
static void invoke(void (*kernel)(A...), const std::vector<Arg>& args) {
    if (args.size() != sizeof...(A)) {
        error = "the kernel takes " + std::to_string(sizeof...(A)) + " arguments, got " + std::to_string(args.size());
        return;
    }
    call(kernel, args, std::index_sequence_for<A...>{});
}

static const std::map<std::string, void (*)(const std::vector<Arg>&)> kernels = {
#define KERNEL(name) {#name, [](const std::vector<Arg>& a) { invoke(name, a); }},
#include "kernel_names.inc"
#undef KERNEL
};

static void readFully(void* p, size_t n) {
    if (n > 0 && std::fread(p, 1, n, stdin) != n) {
        std::exit(0);  // the JVM went away
    }
}
template <typename T>
static T get() {
    T v;
    readFully(&v, sizeof v);
    return v;
}
static void reply(const std::string& err, const void* data = nullptr, size_t n = 0) {
    uint8_t status = err.empty() ? 0 : 1;
    std::fwrite(&status, 1, 1, stdout);
    if (status) {
        uint16_t len = static_cast<uint16_t>(std::min<size_t>(err.size(), 60000));
        std::fwrite(&len, 2, 1, stdout);
        std::fwrite(err.data(), 1, len, stdout);
    } else if (n > 0) {
        std::fwrite(data, 1, n, stdout);
    }
    std::fflush(stdout);
}

int main() {
    for (;;) {
        char op = get<char>();
        switch (op) {
            case 'M': {
                uint64_t bytes = get<uint64_t>();
                // Fresh device memory holds 0xff bytes (NaN), as host CUDA's does: a GPU's holds whatever was there.
                void* p = std::malloc(std::max<uint64_t>(bytes, 1));
                if (p) {
                    std::memset(p, 0xff, bytes);
                }
                uint64_t addr = reinterpret_cast<uintptr_t>(p);
                reply(p ? "" : "out of memory", &addr, 8);
                break;
            }
            case 'F':
                std::free(reinterpret_cast<void*>(static_cast<uintptr_t>(get<uint64_t>())));
                reply("");
                break;
            case 'S': {
                auto* dst = reinterpret_cast<uint32_t*>(static_cast<uintptr_t>(get<uint64_t>()));
                uint32_t value = get<uint32_t>();
                uint64_t count = get<uint64_t>();
                std::fill(dst, dst + count, value);
                reply("");
                break;
            }
            case 'C': {
                auto* dst = reinterpret_cast<void*>(static_cast<uintptr_t>(get<uint64_t>()));
                auto* src = reinterpret_cast<void*>(static_cast<uintptr_t>(get<uint64_t>()));
                std::memmove(dst, src, get<uint64_t>());
                reply("");
                break;
            }
            case 'U': {
                auto* dst = reinterpret_cast<float*>(static_cast<uintptr_t>(get<uint64_t>()));
                uint32_t count = get<uint32_t>();
                readFully(dst, count * sizeof(float));
                reply("");
                break;
            }
            case 'B': {
                auto* dst = reinterpret_cast<unsigned char*>(static_cast<uintptr_t>(get<uint64_t>()));
                readFully(dst, get<uint32_t>());
                reply("");
                break;
            }
            case 'D': {
                auto* src = reinterpret_cast<float*>(static_cast<uintptr_t>(get<uint64_t>()));
                uint32_t count = get<uint32_t>();
                reply("", src, count * sizeof(float));
                break;
            }
            case 'K': {
                std::string name(get<uint16_t>(), '\0');
                readFully(name.data(), name.size());
                launchGrid = {get<uint32_t>(), 1, 1};
                launchBlock = {get<uint32_t>(), 1, 1};
                std::vector<Arg> args(get<uint16_t>());
                for (Arg& a : args) {
                    a.tag = get<char>();
                    a.bits = get<uint64_t>();
                }
                auto k = kernels.find(name);
                error.clear();
                if (k == kernels.end()) {
                    error = "no kernel " + name + " in the emulated device";
                } else {
                    k->second(args);
                    if (!error.empty()) {
                        error = name + ": " + error;
                    }
                }
                reply(error);
                break;
            }
            case 'G': {
                bool ta = get<uint8_t>(), tb = get<uint8_t>();
                int m = get<int32_t>(), n = get<int32_t>(), k = get<int32_t>();
                float alpha = get<float>();
                auto* a = reinterpret_cast<const float*>(static_cast<uintptr_t>(get<uint64_t>()));
                int lda = get<int32_t>();
                auto* b = reinterpret_cast<const float*>(static_cast<uintptr_t>(get<uint64_t>()));
                int ldb = get<int32_t>();
                float beta = get<float>();
                auto* c = reinterpret_cast<float*>(static_cast<uintptr_t>(get<uint64_t>()));
                int ldc = get<int32_t>();
                // Column-major, as cuBLAS: element (i, j) of a matrix with leading dimension ld is at i + j * ld.
                for (int j = 0; j < n; j++) {
                    for (int i = 0; i < m; i++) {
                        double sum = 0;
                        for (int p = 0; p < k; p++) {
                            double av = ta ? a[p + (size_t) i * lda] : a[i + (size_t) p * lda];
                            double bv = tb ? b[j + (size_t) p * ldb] : b[p + (size_t) j * ldb];
                            sum += av * bv;
                        }
                        float& out = c[i + (size_t) j * ldc];
                        out = static_cast<float>(alpha * sum + (beta == 0.0f ? 0.0 : beta * out));
                    }
                }
                reply("");
                break;
            }
            default:
                reply(std::string("unknown request ") + op);
                std::exit(2);
        }
    }
}

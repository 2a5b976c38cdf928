// libcuda.so.1 on the CPU: the CUDA driver API subset that CudaContext, KernelModules, GpuBackend.capture and GpuGraph
// call through the JCudaDriver native, with NVIDIA's documented semantics where they can show a bug of the caller:
//  - cuInit first, a current context for everything that needs one (per thread, cuCtxSetCurrent);
//  - streams are asynchronous: each has a worker thread that runs its queue in order, and an operation starts no
//    earlier than HOSTCUDA_LATENCY_US (default 500) after it was queued, so that host code which reuses a pinned
//    buffer before its copy ran, or reads a result without synchronising, sees wrong numbers as it would on a GPU;
//    the legacy default stream (0) waits for, and is waited for by, the blocking streams, non-blocking ones not;
//  - kernel parameters are copied when the launch is queued; pageable host memory in an async copy is staged (to the
//    device) or waited for (from the device), pinned memory is read/written when the copy runs;
//  - every device range a copy or memset touches, and every pointer argument of a kernel, must lie in one live
//    cuMemAlloc block: otherwise the call fails and says so on stderr (a GPU would fault later, or corrupt memory);
//  - fresh device and pinned memory holds 0xff bytes (a NaN as float), not zeros;
//  - stream capture records the stream's operations into a graph, replayed by cuGraphLaunch (ranges checked again);
//    what a capture cannot hold (synchronising the stream, pageable copies, allocation in GLOBAL mode, querying an
//    event recorded in capture) fails with the driver's error and invalidates the capture.
// Kernels run from kernels.cpp (the .cu sources through emu.h), each block's threads as fibers (emu_blocks.h); a block
// whose threads do not meet at one barrier is a fault that makes the context unusable, as on a GPU. cuModuleLoadData
// reads the jar's PTX and checks each .entry's parameter list against the C++ signature. Work of all streams executes one item at a time.
// Every other function the JCudaDriver native imports exists (stubs.c) and returns CUDA_ERROR_NOT_SUPPORTED loudly.
#include <cuda.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "hostcuda.h"
#include "kernels.h"

namespace {

using Clock = std::chrono::steady_clock;

// The driver version reported (cuDriverGetVersion) and deciding which PTX ISA loads: the layout's CUDA version
// (HostCuda.java builds 13000 for the CUDA 13 folder, 12040 for the CUDA 12.4 one), HOSTCUDA_DRIVER_VERSION overrides.
#ifndef HC_DRIVER_VERSION
#define HC_DRIVER_VERSION 13000
#endif
constexpr int DRIVER_VERSION_DEFAULT = HC_DRIVER_VERSION;
constexpr int CC_MAJOR = 9;
constexpr int CC_MINOR = 0;
constexpr uint64_t ALIGNMENT = 256;
constexpr unsigned char POISON = 0xff;

int envInt(const char* name, int fallback) {
    const char* v = std::getenv(name);
    return v && *v ? std::atoi(v) : fallback;
}

int driverVersion() {
    static const int v = envInt("HOSTCUDA_DRIVER_VERSION", DRIVER_VERSION_DEFAULT);
    return v;
}

uint64_t totalMemory() {
    static const uint64_t mb = static_cast<uint64_t>(envInt("HOSTCUDA_MEMORY_MB", 4096));
    return mb << 20;
}

Clock::duration latency() {
    static const Clock::duration d = std::chrono::microseconds(envInt("HOSTCUDA_LATENCY_US", 500));
    return d;
}

void report(const std::string& call, const std::string& message) {
    std::fprintf(stderr, "hostcuda: %s: %s\n", call.c_str(), message.c_str());
    std::fflush(stderr);
}

std::string hex(uint64_t v) {
    std::ostringstream s;
    s << "0x" << std::hex << v;
    return s.str();
}

struct Op {
    std::string call;
    std::vector<HcRange> ranges;
    std::function<void()> work;
};
using OpPtr = std::shared_ptr<const Op>;

}  // namespace

struct CUstream_st;

namespace {
// A wait for another stream's work up to a sequence number (legacy-stream semantics, cuStreamWaitEvent).
struct After {
    CUstream_st* stream;
    uint64_t seq;
};
struct Item {
    OpPtr op;
    Clock::time_point runnableAt;
    std::vector<After> after;
};
}  // namespace

struct CUctx_st {
    int refcount = 0;
    bool active = false;
};

struct CUstream_st {
    unsigned flags = 0;
    bool legacy = false;
    std::mutex m;
    std::condition_variable cv;
    std::deque<Item> queue;
    uint64_t queued = 0;
    uint64_t done = 0;
    bool stop = false;
    bool destroyed = false;
    std::thread worker;
    // Capture state, under m.
    bool capturing = false;
    bool invalidated = false;
    CUstreamCaptureMode mode = CU_STREAM_CAPTURE_MODE_GLOBAL;
    std::thread::id captureThread;
    std::vector<OpPtr> captured;

    void waitFor(uint64_t seq) {
        std::unique_lock<std::mutex> l(m);
        cv.wait(l, [&] { return done >= seq; });
    }
};

struct CUevent_st {
    unsigned flags = 0;
    std::mutex m;
    CUstream_st* stream = nullptr;
    uint64_t seq = 0;
    bool capturedRecord = false;
};

struct CUmod_st;
struct CUfunc_st {
    const HcKernel* kernel;
    CUmod_st* module;
};
struct CUmod_st {
    std::map<std::string, std::unique_ptr<CUfunc_st>> functions;
};
struct CUgraph_st {
    std::vector<OpPtr> ops;
};
struct CUgraphExec_st {
    std::vector<OpPtr> ops;
};

namespace {

std::mutex g_mutex;  // the tables below
bool g_initialized = false;
std::map<uint64_t, uint64_t> g_device;  // base -> bytes
std::map<uint64_t, uint64_t> g_pinned;
uint64_t g_deviceBytes = 0;
std::set<CUstream_st*> g_streams;
std::set<CUevent_st*> g_events;
std::set<CUmod_st*> g_modules;
std::set<CUgraph_st*> g_graphs;
std::set<CUgraphExec_st*> g_execs;
CUctx_st g_primary;
CUstream_st* g_legacy = nullptr;
std::mutex g_exec;  // one item of device work at a time (the kernels share emu.h's globals)
// A kernel's failure (threads of a block that never met at one barrier). As on a GPU after a fault, the context is
// then unusable: every later call that needs it returns CUDA_ERROR_LAUNCH_FAILED, and the synchronising calls that
// waited for the failed kernel do too.
std::mutex g_faultMutex;
std::string g_fault;

void fault(const std::string& message) {
    report("kernel fault", message);
    std::lock_guard<std::mutex> l(g_faultMutex);
    if (g_fault.empty()) {
        g_fault = message;
    }
}

// CUDA_ERROR_LAUNCH_FAILED, after naming the fault, once a kernel has failed; else CUDA_SUCCESS.
CUresult faulted(const std::string& call) {
    std::string f;
    {
        std::lock_guard<std::mutex> l(g_faultMutex);
        f = g_fault;
    }
    if (f.empty()) {
        return CUDA_SUCCESS;
    }
    report(call, "the context is unusable after an earlier kernel failed: " + f);
    return CUDA_ERROR_LAUNCH_FAILED;
}
thread_local CUctx_st* t_current = nullptr;

// [address, address + bytes) within one block of `blocks`; the block's base, or 0.
uint64_t containing(const std::map<uint64_t, uint64_t>& blocks, uint64_t address, uint64_t bytes) {
    auto it = blocks.upper_bound(address);
    if (it == blocks.begin()) {
        return 0;
    }
    --it;
    uint64_t end = it->first + it->second;
    if (address >= it->first && address < end && bytes <= end - address) {
        return it->first;
    }
    return 0;
}

std::string describeRange(uint64_t address, uint64_t bytes) {
    std::ostringstream s;
    s << "[" << hex(address) << ", +" << bytes << ")";
    auto it = g_device.upper_bound(address);
    if (it != g_device.begin()) {
        --it;
        if (address < it->first + it->second) {
            s << " starts in the block " << hex(it->first) << " of " << it->second << " bytes, at offset "
              << (address - it->first) << ", and runs " << (address + bytes - it->first - it->second)
              << " bytes past its end";
            return s.str();
        }
        s << " is " << (address - it->first - it->second) << " bytes past the block " << hex(it->first) << " of "
          << it->second << " bytes";
    } else {
        s << " lies below every device allocation";
    }
    if (containing(g_pinned, address, 1)) {
        s << " (it is pinned host memory)";
    }
    return s.str();
}

// Checks ranges against the live allocations; reports the first violation. Caller holds no lock.
bool checkRanges(const std::string& call, const std::vector<HcRange>& ranges) {
    std::lock_guard<std::mutex> l(g_mutex);
    for (const HcRange& r : ranges) {
        if (r.bytes == 0) {
            continue;
        }
        if (!containing(g_device, r.address, r.bytes)) {
            report(call, r.what + " " + describeRange(r.address, r.bytes) +
                             ": not inside one live device allocation (cuMemAlloc block)");
            return false;
        }
    }
    return true;
}

bool isBlocking(CUstream_st* s) {
    return !s->legacy && (s->flags & CU_STREAM_NON_BLOCKING) == 0;
}

void workerLoop(CUstream_st* s) {
    for (;;) {
        Item item;
        {
            std::unique_lock<std::mutex> l(s->m);
            s->cv.wait(l, [&] { return s->stop || !s->queue.empty(); });
            if (s->queue.empty()) {
                return;
            }
            item = s->queue.front();
        }
        for (const After& a : item.after) {
            a.stream->waitFor(a.seq);
        }
        std::this_thread::sleep_until(item.runnableAt);
        {
            std::lock_guard<std::mutex> ex(g_exec);
            item.op->work();
        }
        {
            std::lock_guard<std::mutex> l(s->m);
            s->queue.pop_front();
            s->done++;
        }
        s->cv.notify_all();
    }
}

CUstream_st* newStream(unsigned flags, bool legacy) {
    auto* s = new CUstream_st();
    s->flags = flags;
    s->legacy = legacy;
    s->worker = std::thread(workerLoop, s);
    return s;
}

CUstream_st* legacyStream() {
    std::lock_guard<std::mutex> l(g_mutex);
    if (!g_legacy) {
        g_legacy = newStream(0, true);
    }
    return g_legacy;
}

// The stream a handle names (0, CU_STREAM_LEGACY and CU_STREAM_PER_THREAD: the legacy stream), or nullptr.
CUstream_st* resolve(CUstream h) {
    if (h == nullptr || h == CU_STREAM_LEGACY || h == CU_STREAM_PER_THREAD) {
        return legacyStream();
    }
    std::lock_guard<std::mutex> l(g_mutex);
    return g_streams.count(h) ? h : nullptr;
}

// Pushes an operation on a stream (not capturing); returns its sequence number.
uint64_t push(CUstream_st* s, OpPtr op, std::vector<After> after = {}) {
    // The legacy stream and the blocking streams wait for each other's earlier work.
    if (s->legacy || isBlocking(s)) {
        std::vector<CUstream_st*> others;
        {
            std::lock_guard<std::mutex> l(g_mutex);
            if (s->legacy) {
                for (CUstream_st* o : g_streams) {
                    if (isBlocking(o)) {
                        others.push_back(o);
                    }
                }
            } else if (g_legacy) {
                others.push_back(g_legacy);
            }
        }
        for (CUstream_st* o : others) {
            std::lock_guard<std::mutex> l(o->m);
            if (o->queued > o->done) {
                after.push_back({o, o->queued});
            }
        }
    }
    uint64_t seq;
    {
        std::lock_guard<std::mutex> l(s->m);
        s->queue.push_back({std::move(op), Clock::now() + latency(), std::move(after)});
        seq = ++s->queued;
    }
    s->cv.notify_all();
    return seq;
}

void drain(CUstream_st* s) {
    uint64_t seq;
    {
        std::lock_guard<std::mutex> l(s->m);
        seq = s->queued;
    }
    s->waitFor(seq);
}

std::vector<CUstream_st*> allStreams() {
    std::lock_guard<std::mutex> l(g_mutex);
    std::vector<CUstream_st*> out(g_streams.begin(), g_streams.end());
    if (g_legacy) {
        out.push_back(g_legacy);
    }
    return out;
}

// Whether an operation that a capture cannot hold (allocation, free, synchronous copy) is prohibited now: some
// stream captures in GLOBAL mode, or in THREAD_LOCAL mode on this thread. Such a capture is invalidated.
bool captureProhibits(const char* call) {
    bool prohibited = false;
    for (CUstream_st* s : allStreams()) {
        std::lock_guard<std::mutex> l(s->m);
        if (s->capturing && (s->mode == CU_STREAM_CAPTURE_MODE_GLOBAL ||
                             (s->mode == CU_STREAM_CAPTURE_MODE_THREAD_LOCAL &&
                              s->captureThread == std::this_thread::get_id()))) {
            s->invalidated = true;
            prohibited = true;
        }
    }
    if (prohibited) {
        report(call, "not permitted while a stream captures in GLOBAL or THREAD_LOCAL mode (capture invalidated)");
    }
    return prohibited;
}

// Queues (or captures) an operation after checking its ranges.
CUresult enqueue(CUstream h, const std::string& call, std::vector<HcRange> ranges, std::function<void()> work,
                 std::vector<After> after = {}) {
    CUstream_st* s = resolve(h);
    if (!s) {
        report(call, "stream " + hex(reinterpret_cast<uint64_t>(h)) + " is not a live stream");
        return CUDA_ERROR_INVALID_HANDLE;
    }
    if (!checkRanges(call, ranges)) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    auto op = std::make_shared<const Op>(Op{call, std::move(ranges), std::move(work)});
    {
        std::lock_guard<std::mutex> l(s->m);
        if (s->capturing) {
            s->captured.push_back(op);
            return CUDA_SUCCESS;
        }
    }
    push(s, op, std::move(after));
    return CUDA_SUCCESS;
}

bool isCapturing(CUstream_st* s) {
    std::lock_guard<std::mutex> l(s->m);
    return s->capturing;
}

void invalidate(CUstream_st* s) {
    std::lock_guard<std::mutex> l(s->m);
    s->invalidated = true;
}

#define REQUIRE_INIT()                       \
    do {                                     \
        std::lock_guard<std::mutex> l_(g_mutex); \
        if (!g_initialized) {                \
            return CUDA_ERROR_NOT_INITIALIZED; \
        }                                    \
    } while (0)

// cuInit called, and `dev` the one device.
#define REQUIRE_DEVICE(dev)                     \
    do {                                        \
        REQUIRE_INIT();                         \
        if ((dev) != 0) {                       \
            return CUDA_ERROR_INVALID_DEVICE;   \
        }                                       \
    } while (0)

CUresult requireContext(const char* call) {
    {
        std::lock_guard<std::mutex> l(g_mutex);
        if (!g_initialized) {
            report(call, "cuInit has not been called");
            return CUDA_ERROR_NOT_INITIALIZED;
        }
    }
    if (t_current == nullptr || !t_current->active) {
        report(call, t_current == nullptr ? "no context is current on this thread (cuCtxSetCurrent)"
                                          : "the current context was destroyed (primary context released)");
        return CUDA_ERROR_INVALID_CONTEXT;
    }
    return faulted(call);
}

#define REQUIRE_CONTEXT(call)                 \
    do {                                      \
        CUresult r_ = requireContext(call);   \
        if (r_ != CUDA_SUCCESS) {             \
            return r_;                        \
        }                                     \
    } while (0)

// Whether [p, p + bytes) is pinned host memory (cuMemAllocHost), device memory, or neither (pageable).
// PINNED_OVERRUN: starts in a pinned block and runs past its end (a copy larger than its staging buffer).
enum class HostKind { PINNED, PINNED_OVERRUN, DEVICE, PAGEABLE };
HostKind hostKind(const void* p, size_t bytes) {
    std::lock_guard<std::mutex> l(g_mutex);
    auto a = reinterpret_cast<uint64_t>(p);
    if (containing(g_pinned, a, bytes)) {
        return HostKind::PINNED;
    }
    if (containing(g_pinned, a, 1)) {
        return HostKind::PINNED_OVERRUN;
    }
    if (containing(g_device, a, 1)) {
        return HostKind::DEVICE;
    }
    return HostKind::PAGEABLE;
}

void* poisoned(uint64_t bytes) {
    uint64_t rounded = (std::max<uint64_t>(bytes, 1) + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    void* p = std::aligned_alloc(ALIGNMENT, rounded);
    if (p) {
        std::memset(p, POISON, rounded);
    }
    return p;
}

}  // namespace

// ---- the private interface of the stand-ins (hostcuda.h) ------------------------------------------------------------

HC_API bool hostcuda_check_ranges(const char* call, const std::vector<HcRange>* ranges) {
    return checkRanges(call, *ranges);
}

HC_API int hostcuda_enqueue(void* stream, const char* call, const std::vector<HcRange>* ranges,
                            const std::function<void()>* work) {
    return enqueue(static_cast<CUstream>(stream), call, *ranges, *work);
}

HC_API int hostcuda_stream_synchronize(void* stream, const char* call) {
    CUstream_st* s = resolve(static_cast<CUstream>(stream));
    if (!s) {
        report(call, "stream " + hex(reinterpret_cast<uint64_t>(stream)) + " is not a live stream");
        return CUDA_ERROR_INVALID_HANDLE;
    }
    if (isCapturing(s)) {
        invalidate(s);
        report(call, "synchronises its stream, which is capturing (capture invalidated)");
        return CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED;
    }
    drain(s);
    return faulted(call);
}

HC_API bool hostcuda_stream_valid(void* stream) {
    return resolve(static_cast<CUstream>(stream)) != nullptr;
}

HC_API int hostcuda_compute_capability() {
    return CC_MAJOR * 10 + CC_MINOR;
}

HC_API void hostcuda_report(const char* call, const std::string* message) {
    report(call, *message);
}

// ---- initialisation, device, context --------------------------------------------------------------------------------

HC_API CUresult cuInit(unsigned int flags) {
    if (flags != 0) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    std::lock_guard<std::mutex> l(g_mutex);
    g_initialized = true;
    return CUDA_SUCCESS;
}

HC_API CUresult cuDriverGetVersion(int* version) {
    if (!version) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    *version = driverVersion();
    return CUDA_SUCCESS;
}

HC_API CUresult cuDeviceGetCount(int* count) {
    REQUIRE_INIT();
    if (!count) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    *count = 1;
    return CUDA_SUCCESS;
}

HC_API CUresult cuDeviceGet(CUdevice* device, int ordinal) {
    REQUIRE_INIT();
    if (!device) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    if (ordinal != 0) {
        return CUDA_ERROR_INVALID_DEVICE;
    }
    *device = 0;
    return CUDA_SUCCESS;
}

HC_API CUresult cuDeviceGetName(char* name, int len, CUdevice dev) {
    REQUIRE_DEVICE(dev);
    if (!name || len <= 0) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    std::snprintf(name, static_cast<size_t>(len), "%s", "hostcuda (CPU stand-in, H100-like)");
    return CUDA_SUCCESS;
}

HC_API CUresult cuDeviceTotalMem_v2(size_t* bytes, CUdevice dev) {
    REQUIRE_DEVICE(dev);
    if (!bytes) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    *bytes = totalMemory();
    return CUDA_SUCCESS;
}

HC_API CUresult cuDeviceComputeCapability(int* major, int* minor, CUdevice dev) {
    REQUIRE_DEVICE(dev);
    *major = CC_MAJOR;
    *minor = CC_MINOR;
    return CUDA_SUCCESS;
}

HC_API CUresult cuDeviceGetAttribute(int* value, CUdevice_attribute attrib, CUdevice dev) {
    REQUIRE_DEVICE(dev);
    if (!value) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    static const std::map<int, int> attributes = {
        {CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, CC_MAJOR},
        {CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, CC_MINOR},
        {CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK, 1024},
        {CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_X, 1024},
        {CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Y, 1024},
        {CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Z, 64},
        {CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_X, 2147483647},
        {CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Y, 65535},
        {CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Z, 65535},
        {CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK, 49152},
        {CU_DEVICE_ATTRIBUTE_TOTAL_CONSTANT_MEMORY, 65536},
        {CU_DEVICE_ATTRIBUTE_WARP_SIZE, 32},
        {CU_DEVICE_ATTRIBUTE_MAX_REGISTERS_PER_BLOCK, 65536},
        {CU_DEVICE_ATTRIBUTE_CLOCK_RATE, 1980000},
        {CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, 132},
        {CU_DEVICE_ATTRIBUTE_INTEGRATED, 0},
        {CU_DEVICE_ATTRIBUTE_CAN_MAP_HOST_MEMORY, 1},
        {CU_DEVICE_ATTRIBUTE_COMPUTE_MODE, CU_COMPUTEMODE_DEFAULT},
        {CU_DEVICE_ATTRIBUTE_CONCURRENT_KERNELS, 1},
        {CU_DEVICE_ATTRIBUTE_ECC_ENABLED, 1},
        {CU_DEVICE_ATTRIBUTE_PCI_BUS_ID, 0},
        {CU_DEVICE_ATTRIBUTE_PCI_DEVICE_ID, 0},
        {CU_DEVICE_ATTRIBUTE_PCI_DOMAIN_ID, 0},
        {CU_DEVICE_ATTRIBUTE_TCC_DRIVER, 0},
        {CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE, 2619000},
        {CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH, 5120},
        {CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE, 52428800},
        {CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_MULTIPROCESSOR, 2048},
        {CU_DEVICE_ATTRIBUTE_ASYNC_ENGINE_COUNT, 3},
        {CU_DEVICE_ATTRIBUTE_UNIFIED_ADDRESSING, 1},
        {CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_MULTIPROCESSOR, 233472},
        {CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN, 232448},
        {CU_DEVICE_ATTRIBUTE_MAX_REGISTERS_PER_MULTIPROCESSOR, 65536},
        {CU_DEVICE_ATTRIBUTE_MANAGED_MEMORY, 1},
        {CU_DEVICE_ATTRIBUTE_STREAM_PRIORITIES_SUPPORTED, 1},
        {CU_DEVICE_ATTRIBUTE_MEMORY_POOLS_SUPPORTED, 1},
    };
    auto it = attributes.find(attrib);
    if (it == attributes.end()) {
        report("cuDeviceGetAttribute", "attribute " + std::to_string(attrib) + " is not modelled by hostcuda");
        return CUDA_ERROR_INVALID_VALUE;
    }
    *value = it->second;
    return CUDA_SUCCESS;
}

HC_API CUresult cuDevicePrimaryCtxRetain(CUcontext* ctx, CUdevice dev) {
    REQUIRE_DEVICE(dev);
    if (!ctx) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    std::lock_guard<std::mutex> l(g_mutex);
    g_primary.refcount++;
    g_primary.active = true;
    *ctx = &g_primary;
    return CUDA_SUCCESS;
}

HC_API CUresult cuDevicePrimaryCtxRelease_v2(CUdevice dev) {
    REQUIRE_DEVICE(dev);
    std::lock_guard<std::mutex> l(g_mutex);
    if (g_primary.refcount <= 0) {
        report("cuDevicePrimaryCtxRelease", "the primary context is not retained");
        return CUDA_ERROR_INVALID_CONTEXT;
    }
    if (--g_primary.refcount == 0) {
        g_primary.active = false;
    }
    return CUDA_SUCCESS;
}

HC_API CUresult cuDevicePrimaryCtxGetState(CUdevice dev, unsigned int* flags, int* active) {
    REQUIRE_DEVICE(dev);
    std::lock_guard<std::mutex> l(g_mutex);
    *flags = 0;
    *active = g_primary.active ? 1 : 0;
    return CUDA_SUCCESS;
}

HC_API CUresult cuCtxSetCurrent(CUcontext ctx) {
    REQUIRE_INIT();
    if (ctx != nullptr && ctx != &g_primary) {
        report("cuCtxSetCurrent", "not a context of this driver: " + hex(reinterpret_cast<uint64_t>(ctx)));
        return CUDA_ERROR_INVALID_CONTEXT;
    }
    if (ctx != nullptr && !ctx->active) {
        report("cuCtxSetCurrent", "the primary context is not retained");
        return CUDA_ERROR_CONTEXT_IS_DESTROYED;
    }
    t_current = ctx;
    return CUDA_SUCCESS;
}

HC_API CUresult cuCtxGetCurrent(CUcontext* ctx) {
    REQUIRE_INIT();
    *ctx = t_current;
    return CUDA_SUCCESS;
}

HC_API CUresult cuCtxGetDevice(CUdevice* dev) {
    REQUIRE_CONTEXT("cuCtxGetDevice");
    *dev = 0;
    return CUDA_SUCCESS;
}

HC_API CUresult cuCtxSynchronize() {
    REQUIRE_CONTEXT("cuCtxSynchronize");
    for (CUstream_st* s : allStreams()) {
        if (isCapturing(s)) {
            invalidate(s);
            report("cuCtxSynchronize", "a stream is capturing (capture invalidated)");
            return CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED;
        }
    }
    for (CUstream_st* s : allStreams()) {
        drain(s);
    }
    return faulted("cuCtxSynchronize");
}

HC_API CUresult cuGetErrorName(CUresult error, const char** name) {
    static const std::map<int, const char*> names = {
        {CUDA_SUCCESS, "CUDA_SUCCESS"},
        {CUDA_ERROR_INVALID_VALUE, "CUDA_ERROR_INVALID_VALUE"},
        {CUDA_ERROR_OUT_OF_MEMORY, "CUDA_ERROR_OUT_OF_MEMORY"},
        {CUDA_ERROR_NOT_INITIALIZED, "CUDA_ERROR_NOT_INITIALIZED"},
        {CUDA_ERROR_INVALID_CONTEXT, "CUDA_ERROR_INVALID_CONTEXT"},
        {CUDA_ERROR_INVALID_HANDLE, "CUDA_ERROR_INVALID_HANDLE"},
        {CUDA_ERROR_NOT_FOUND, "CUDA_ERROR_NOT_FOUND"},
        {CUDA_ERROR_INVALID_PTX, "CUDA_ERROR_INVALID_PTX"},
        {CUDA_ERROR_UNSUPPORTED_PTX_VERSION, "CUDA_ERROR_UNSUPPORTED_PTX_VERSION"},
        {CUDA_ERROR_NOT_SUPPORTED, "CUDA_ERROR_NOT_SUPPORTED"},
        {CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED, "CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED"},
        {CUDA_ERROR_STREAM_CAPTURE_INVALIDATED, "CUDA_ERROR_STREAM_CAPTURE_INVALIDATED"},
        {CUDA_ERROR_CAPTURED_EVENT, "CUDA_ERROR_CAPTURED_EVENT"},
        {CUDA_ERROR_STREAM_CAPTURE_WRONG_THREAD, "CUDA_ERROR_STREAM_CAPTURE_WRONG_THREAD"},
        {CUDA_ERROR_ILLEGAL_STATE, "CUDA_ERROR_ILLEGAL_STATE"},
    };
    auto it = names.find(error);
    if (it == names.end()) {
        *name = nullptr;
        return CUDA_ERROR_INVALID_VALUE;
    }
    *name = it->second;
    return CUDA_SUCCESS;
}

HC_API CUresult cuGetErrorString(CUresult error, const char** text) {
    return cuGetErrorName(error, text);
}

// ---- memory ---------------------------------------------------------------------------------------------------------

HC_API CUresult cuMemAlloc_v2(CUdeviceptr* dptr, size_t bytes) {
    REQUIRE_CONTEXT("cuMemAlloc");
    if (!dptr || bytes == 0) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    if (captureProhibits("cuMemAlloc")) {
        return CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED;
    }
    {
        std::lock_guard<std::mutex> l(g_mutex);
        if (g_deviceBytes + bytes > totalMemory()) {
            return CUDA_ERROR_OUT_OF_MEMORY;
        }
    }
    void* p = poisoned(bytes);
    if (!p) {
        return CUDA_ERROR_OUT_OF_MEMORY;
    }
    std::lock_guard<std::mutex> l(g_mutex);
    g_device[reinterpret_cast<uint64_t>(p)] = bytes;
    g_deviceBytes += bytes;
    *dptr = reinterpret_cast<uint64_t>(p);
    return CUDA_SUCCESS;
}

HC_API CUresult cuMemFree_v2(CUdeviceptr dptr) {
    REQUIRE_CONTEXT("cuMemFree");
    if (dptr == 0) {
        return CUDA_SUCCESS;
    }
    if (captureProhibits("cuMemFree")) {
        return CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED;
    }
    {
        std::lock_guard<std::mutex> l(g_mutex);
        if (!g_device.count(dptr)) {
            report("cuMemFree", hex(dptr) + " is not the base of a live device allocation");
            return CUDA_ERROR_INVALID_VALUE;
        }
    }
    // cuMemFree synchronises: queued work may still use the block.
    for (CUstream_st* s : allStreams()) {
        drain(s);
    }
    std::lock_guard<std::mutex> l(g_mutex);
    g_deviceBytes -= g_device[dptr];
    g_device.erase(dptr);
    std::free(reinterpret_cast<void*>(dptr));
    return CUDA_SUCCESS;
}

HC_API CUresult cuMemGetInfo_v2(size_t* free, size_t* total) {
    REQUIRE_CONTEXT("cuMemGetInfo");
    std::lock_guard<std::mutex> l(g_mutex);
    *total = totalMemory();
    *free = totalMemory() - g_deviceBytes;
    return CUDA_SUCCESS;
}

HC_API CUresult cuMemAllocHost_v2(void** pp, size_t bytes) {
    REQUIRE_CONTEXT("cuMemAllocHost");
    if (!pp || bytes == 0) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    if (captureProhibits("cuMemAllocHost")) {
        return CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED;
    }
    void* p = poisoned(bytes);
    if (!p) {
        return CUDA_ERROR_OUT_OF_MEMORY;
    }
    std::lock_guard<std::mutex> l(g_mutex);
    g_pinned[reinterpret_cast<uint64_t>(p)] = bytes;
    *pp = p;
    return CUDA_SUCCESS;
}

HC_API CUresult cuMemFreeHost(void* p) {
    REQUIRE_CONTEXT("cuMemFreeHost");
    if (captureProhibits("cuMemFreeHost")) {
        return CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED;
    }
    {
        std::lock_guard<std::mutex> l(g_mutex);
        if (!g_pinned.count(reinterpret_cast<uint64_t>(p))) {
            report("cuMemFreeHost", hex(reinterpret_cast<uint64_t>(p)) + " is not pinned memory from cuMemAllocHost");
            return CUDA_ERROR_INVALID_VALUE;
        }
    }
    for (CUstream_st* s : allStreams()) {
        drain(s);
    }
    std::lock_guard<std::mutex> l(g_mutex);
    g_pinned.erase(reinterpret_cast<uint64_t>(p));
    std::free(p);
    return CUDA_SUCCESS;
}

namespace {

CUresult copyHtoD(const char* call, CUdeviceptr dst, const void* src, size_t bytes, CUstream h) {
    if (bytes == 0) {
        return CUDA_SUCCESS;
    }
    std::vector<HcRange> ranges{{dst, bytes, "destination"}};
    switch (hostKind(src, bytes)) {
        case HostKind::PINNED_OVERRUN:
            report(call, "the source " + hex(reinterpret_cast<uint64_t>(src)) + " + " + std::to_string(bytes) +
                             " bytes runs past the end of its pinned (cuMemAllocHost) block");
            return CUDA_ERROR_INVALID_VALUE;
        case HostKind::DEVICE:
            report(call, "the source " + hex(reinterpret_cast<uint64_t>(src)) + " is device memory, not host memory");
            return CUDA_ERROR_INVALID_VALUE;
        case HostKind::PINNED:
            // Read when the copy runs: the caller must not touch the buffer before then.
            return enqueue(h, call, ranges,
                           [dst, src, bytes] { std::memcpy(reinterpret_cast<void*>(dst), src, bytes); });
        case HostKind::PAGEABLE: {
            CUstream_st* s = resolve(h);
            if (s && isCapturing(s)) {
                invalidate(s);
                report(call, "pageable host memory cannot be captured (capture invalidated)");
                return CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED;
            }
            // Staged before the call returns, as the driver does with pageable memory.
            auto staged = std::make_shared<std::vector<unsigned char>>(static_cast<const unsigned char*>(src),
                                                                       static_cast<const unsigned char*>(src) + bytes);
            return enqueue(h, call, ranges, [dst, staged] {
                std::memcpy(reinterpret_cast<void*>(dst), staged->data(), staged->size());
            });
        }
    }
    return CUDA_ERROR_UNKNOWN;
}

CUresult copyDtoH(const char* call, void* dst, CUdeviceptr src, size_t bytes, CUstream h, bool wait) {
    if (bytes == 0) {
        return CUDA_SUCCESS;
    }
    std::vector<HcRange> ranges{{src, bytes, "source"}};
    HostKind kind = hostKind(dst, bytes);
    if (kind == HostKind::PINNED_OVERRUN) {
        report(call, "the destination " + hex(reinterpret_cast<uint64_t>(dst)) + " + " + std::to_string(bytes) +
                         " bytes runs past the end of its pinned (cuMemAllocHost) block");
        return CUDA_ERROR_INVALID_VALUE;
    }
    if (kind == HostKind::DEVICE) {
        report(call, "the destination " + hex(reinterpret_cast<uint64_t>(dst)) + " is device memory, not host memory");
        return CUDA_ERROR_INVALID_VALUE;
    }
    CUstream_st* s = resolve(h);
    if (s && kind == HostKind::PAGEABLE && isCapturing(s)) {
        invalidate(s);
        report(call, "pageable host memory cannot be captured (capture invalidated)");
        return CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED;
    }
    CUresult r = enqueue(h, call, ranges, [dst, src, bytes] { std::memcpy(dst, reinterpret_cast<void*>(src), bytes); });
    if (r == CUDA_SUCCESS && (wait || kind == HostKind::PAGEABLE)) {
        // A copy to pageable memory returns once it is done.
        drain(s);
        return faulted(call);
    }
    return r;
}

CUresult copyDtoD(const char* call, CUdeviceptr dst, CUdeviceptr src, size_t bytes, CUstream h) {
    if (bytes == 0) {
        return CUDA_SUCCESS;
    }
    return enqueue(h, call, {{dst, bytes, "destination"}, {src, bytes, "source"}}, [dst, src, bytes] {
        std::memmove(reinterpret_cast<void*>(dst), reinterpret_cast<void*>(src), bytes);
    });
}

template <typename T>
CUresult memsetAsync(const char* call, CUdeviceptr dst, T value, size_t count, CUstream h) {
    if (dst % sizeof(T) != 0) {
        report(call, "destination " + hex(dst) + " is not aligned to " + std::to_string(sizeof(T)) + " bytes");
        return CUDA_ERROR_INVALID_VALUE;
    }
    if (count == 0) {
        return CUDA_SUCCESS;
    }
    return enqueue(h, call, {{dst, count * sizeof(T), "destination"}}, [dst, value, count] {
        T* p = reinterpret_cast<T*>(dst);
        std::fill(p, p + count, value);
    });
}

CUresult syncLegacy() {
    drain(legacyStream());
    return CUDA_SUCCESS;
}

}  // namespace

HC_API CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr dst, const void* src, size_t bytes, CUstream h) {
    REQUIRE_CONTEXT("cuMemcpyHtoDAsync");
    return copyHtoD("cuMemcpyHtoDAsync", dst, src, bytes, h);
}

HC_API CUresult cuMemcpyDtoHAsync_v2(void* dst, CUdeviceptr src, size_t bytes, CUstream h) {
    REQUIRE_CONTEXT("cuMemcpyDtoHAsync");
    return copyDtoH("cuMemcpyDtoHAsync", dst, src, bytes, h, false);
}

HC_API CUresult cuMemcpyDtoDAsync_v2(CUdeviceptr dst, CUdeviceptr src, size_t bytes, CUstream h) {
    REQUIRE_CONTEXT("cuMemcpyDtoDAsync");
    return copyDtoD("cuMemcpyDtoDAsync", dst, src, bytes, h);
}

HC_API CUresult cuMemcpyHtoD_v2(CUdeviceptr dst, const void* src, size_t bytes) {
    REQUIRE_CONTEXT("cuMemcpyHtoD");
    if (captureProhibits("cuMemcpyHtoD")) {
        return CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED;
    }
    CUresult r = copyHtoD("cuMemcpyHtoD", dst, src, bytes, nullptr);
    return r == CUDA_SUCCESS ? syncLegacy() : r;
}

HC_API CUresult cuMemcpyDtoH_v2(void* dst, CUdeviceptr src, size_t bytes) {
    REQUIRE_CONTEXT("cuMemcpyDtoH");
    if (captureProhibits("cuMemcpyDtoH")) {
        return CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED;
    }
    return copyDtoH("cuMemcpyDtoH", dst, src, bytes, nullptr, true);
}

HC_API CUresult cuMemcpyDtoD_v2(CUdeviceptr dst, CUdeviceptr src, size_t bytes) {
    REQUIRE_CONTEXT("cuMemcpyDtoD");
    CUresult r = copyDtoD("cuMemcpyDtoD", dst, src, bytes, nullptr);
    return r == CUDA_SUCCESS ? syncLegacy() : r;
}

HC_API CUresult cuMemsetD32Async(CUdeviceptr dst, unsigned int value, size_t count, CUstream h) {
    REQUIRE_CONTEXT("cuMemsetD32Async");
    return memsetAsync<uint32_t>("cuMemsetD32Async", dst, value, count, h);
}

HC_API CUresult cuMemsetD8Async(CUdeviceptr dst, unsigned char value, size_t count, CUstream h) {
    REQUIRE_CONTEXT("cuMemsetD8Async");
    return memsetAsync<uint8_t>("cuMemsetD8Async", dst, value, count, h);
}

HC_API CUresult cuMemsetD32_v2(CUdeviceptr dst, unsigned int value, size_t count) {
    REQUIRE_CONTEXT("cuMemsetD32");
    CUresult r = memsetAsync<uint32_t>("cuMemsetD32", dst, value, count, nullptr);
    return r == CUDA_SUCCESS ? syncLegacy() : r;
}

HC_API CUresult cuMemsetD8_v2(CUdeviceptr dst, unsigned char value, size_t count) {
    REQUIRE_CONTEXT("cuMemsetD8");
    CUresult r = memsetAsync<uint8_t>("cuMemsetD8", dst, value, count, nullptr);
    return r == CUDA_SUCCESS ? syncLegacy() : r;
}

// ---- streams and events ---------------------------------------------------------------------------------------------

HC_API CUresult cuStreamCreate(CUstream* out, unsigned int flags) {
    REQUIRE_CONTEXT("cuStreamCreate");
    if (!out || (flags & ~static_cast<unsigned>(CU_STREAM_NON_BLOCKING)) != 0) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    CUstream_st* s = newStream(flags, false);
    std::lock_guard<std::mutex> l(g_mutex);
    g_streams.insert(s);
    *out = s;
    return CUDA_SUCCESS;
}

HC_API CUresult cuStreamDestroy_v2(CUstream h) {
    REQUIRE_CONTEXT("cuStreamDestroy");
    {
        std::lock_guard<std::mutex> l(g_mutex);
        if (!g_streams.count(h)) {
            report("cuStreamDestroy", "stream " + hex(reinterpret_cast<uint64_t>(h)) + " is not a live stream");
            return CUDA_ERROR_INVALID_HANDLE;
        }
        g_streams.erase(h);
    }
    // Queued work still completes; the worker then ends. The object stays (events may still name it).
    drain(h);
    {
        std::lock_guard<std::mutex> l(h->m);
        h->stop = true;
        h->destroyed = true;
    }
    h->cv.notify_all();
    h->worker.join();
    return CUDA_SUCCESS;
}

HC_API CUresult cuStreamSynchronize(CUstream h) {
    REQUIRE_CONTEXT("cuStreamSynchronize");
    return static_cast<CUresult>(hostcuda_stream_synchronize(h, "cuStreamSynchronize"));
}

HC_API CUresult cuStreamQuery(CUstream h) {
    REQUIRE_CONTEXT("cuStreamQuery");
    CUstream_st* s = resolve(h);
    if (!s) {
        return CUDA_ERROR_INVALID_HANDLE;
    }
    if (isCapturing(s)) {
        invalidate(s);
        return CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED;
    }
    std::lock_guard<std::mutex> l(s->m);
    return s->done == s->queued ? CUDA_SUCCESS : CUDA_ERROR_NOT_READY;
}

HC_API CUresult cuStreamWaitEvent(CUstream h, CUevent e, unsigned int flags) {
    REQUIRE_CONTEXT("cuStreamWaitEvent");
    if (flags != 0) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    CUstream_st* from;
    uint64_t seq;
    {
        std::lock_guard<std::mutex> l(g_mutex);
        if (!g_events.count(e)) {
            return CUDA_ERROR_INVALID_HANDLE;
        }
    }
    {
        std::lock_guard<std::mutex> l(e->m);
        from = e->stream;
        seq = e->seq;
    }
    std::vector<After> after;
    if (from) {
        after.push_back({from, seq});
    }
    return enqueue(h, "cuStreamWaitEvent", {}, [] {}, after);
}

HC_API CUresult cuEventCreate(CUevent* out, unsigned int flags) {
    REQUIRE_CONTEXT("cuEventCreate");
    if (!out) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    auto* e = new CUevent_st();
    e->flags = flags;
    std::lock_guard<std::mutex> l(g_mutex);
    g_events.insert(e);
    *out = e;
    return CUDA_SUCCESS;
}

HC_API CUresult cuEventDestroy_v2(CUevent e) {
    REQUIRE_CONTEXT("cuEventDestroy");
    std::lock_guard<std::mutex> l(g_mutex);
    if (!g_events.erase(e)) {
        return CUDA_ERROR_INVALID_HANDLE;
    }
    // Kept allocated: a queued record may still refer to it.
    return CUDA_SUCCESS;
}

HC_API CUresult cuEventRecord(CUevent e, CUstream h) {
    REQUIRE_CONTEXT("cuEventRecord");
    {
        std::lock_guard<std::mutex> l(g_mutex);
        if (!g_events.count(e)) {
            return CUDA_ERROR_INVALID_HANDLE;
        }
    }
    CUstream_st* s = resolve(h);
    if (!s) {
        return CUDA_ERROR_INVALID_HANDLE;
    }
    if (isCapturing(s)) {
        std::lock_guard<std::mutex> l(e->m);
        e->capturedRecord = true;
        return CUDA_SUCCESS;
    }
    auto op = std::make_shared<const Op>(Op{"cuEventRecord", {}, [] {}});
    uint64_t seq = push(s, op);
    std::lock_guard<std::mutex> l(e->m);
    e->stream = s;
    e->seq = seq;
    e->capturedRecord = false;
    return CUDA_SUCCESS;
}

HC_API CUresult cuEventSynchronize(CUevent e) {
    REQUIRE_CONTEXT("cuEventSynchronize");
    {
        std::lock_guard<std::mutex> l(g_mutex);
        if (!g_events.count(e)) {
            return CUDA_ERROR_INVALID_HANDLE;
        }
    }
    CUstream_st* s;
    uint64_t seq;
    {
        std::lock_guard<std::mutex> l(e->m);
        if (e->capturedRecord) {
            report("cuEventSynchronize", "the event was last recorded in a capturing stream");
            return CUDA_ERROR_CAPTURED_EVENT;
        }
        s = e->stream;
        seq = e->seq;
    }
    if (s) {
        s->waitFor(seq);
    }
    return faulted("cuEventSynchronize");
}

HC_API CUresult cuEventQuery(CUevent e) {
    REQUIRE_CONTEXT("cuEventQuery");
    {
        std::lock_guard<std::mutex> l(g_mutex);
        if (!g_events.count(e)) {
            return CUDA_ERROR_INVALID_HANDLE;
        }
    }
    std::lock_guard<std::mutex> l(e->m);
    if (e->capturedRecord) {
        return CUDA_ERROR_CAPTURED_EVENT;
    }
    if (!e->stream) {
        return CUDA_SUCCESS;
    }
    std::lock_guard<std::mutex> ls(e->stream->m);
    return e->stream->done >= e->seq ? CUDA_SUCCESS : CUDA_ERROR_NOT_READY;
}

// ---- modules and launches -------------------------------------------------------------------------------------------

namespace {

// The PTX ISA version the driver of version `driver` JIT-compiles at most (ISA 8.0 came with CUDA 12.0, 9.0 with 13.0).
int maxPtxIsa(int driver) {
    int major = driver / 1000;
    int minor = driver % 1000 / 10;
    if (major >= 13) {
        return 90 + minor;
    }
    if (major == 12) {
        return 80 + std::min(minor, 8);
    }
    return 78;
}

size_t ptxTypeBytes(const std::string& t) {
    if (t.size() < 3) {
        return 0;
    }
    return static_cast<size_t>(std::atoi(t.c_str() + 2)) / 8;
}

CUresult loadModule(CUmodule* out, const void* image) {
    if (!out || !image) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    const char* text = static_cast<const char*>(image);
    if (std::memcmp(text, "\x7f" "ELF", 4) == 0) {
        report("cuModuleLoadData", "the image is a cubin/ELF; hostcuda loads PTX text only");
        return CUDA_ERROR_NOT_SUPPORTED;
    }
    std::istringstream in{std::string(text)};
    std::string line;
    auto module = std::make_unique<CUmod_st>();
    const HcKernel* current = nullptr;
    std::string currentName;
    std::vector<std::string> params;
    bool sawVersion = false;
    auto finishEntry = [&]() -> CUresult {
        if (!current) {
            return CUDA_SUCCESS;
        }
        std::ostringstream why;
        if (params.size() != current->sizes.size()) {
            why << "the PTX entry has " << params.size() << " parameters, the kernel source " << current->sizes.size();
        } else {
            for (size_t i = 0; i < params.size(); i++) {
                bool ptxFloat = params[i].rfind(".f", 0) == 0;
                if (ptxTypeBytes(params[i]) != current->sizes[i] || ptxFloat != (current->kinds[i] == 'F')) {
                    why << "parameter " << i << " is " << params[i] << " in the PTX, " << current->sizes[i]
                        << " bytes of kind " << current->kinds[i] << " in the kernel source";
                    break;
                }
            }
        }
        if (!why.str().empty()) {
            report("cuModuleLoadData", ".entry " + currentName + ": " + why.str());
            return CUDA_ERROR_INVALID_PTX;
        }
        module->functions[currentName] = std::make_unique<CUfunc_st>(CUfunc_st{current, module.get()});
        current = nullptr;
        return CUDA_SUCCESS;
    };
    while (std::getline(in, line)) {
        std::istringstream words(line);
        std::string w;
        words >> w;
        if (w == ".version") {
            std::string v;
            words >> v;
            int isa = std::atoi(v.c_str()) * 10 + std::atoi(v.substr(v.find('.') + 1).c_str());
            sawVersion = true;
            if (isa > maxPtxIsa(driverVersion())) {
                static std::once_flag once;  // every module says the same
                std::call_once(once, [&] {
                    report("cuModuleLoadData", "PTX ISA " + v + " is newer than driver " +
                                                   std::to_string(driverVersion()) + " compiles (said once)");
                });
                return CUDA_ERROR_UNSUPPORTED_PTX_VERSION;
            }
        } else if (w == ".target") {
            std::string t;
            words >> t;
            if (t.rfind("sm_", 0) == 0 && std::atoi(t.c_str() + 3) > CC_MAJOR * 10 + CC_MINOR) {
                report("cuModuleLoadData", "PTX for " + t + " cannot run on compute capability 9.0");
                return CUDA_ERROR_NO_BINARY_FOR_GPU;
            }
        } else if (line.find(".entry ") != std::string::npos) {
            CUresult r = finishEntry();
            if (r != CUDA_SUCCESS) {
                return r;
            }
            size_t at = line.find(".entry ") + 7;
            size_t end = line.find_first_of("( \t", at);
            currentName = line.substr(at, end - at);
            current = hcFindKernel(currentName);
            params.clear();
            if (!current) {
                report("cuModuleLoadData", ".entry " + currentName + " has no kernel body in hostcuda (not in " +
                                               "kernel_names.inc)");
                return CUDA_ERROR_INVALID_PTX;
            }
        } else if (current && w == ".param") {
            std::string type;
            words >> type;
            if (type == ".align") {
                report("cuModuleLoadData", ".entry " + currentName + ": struct parameters are not modelled");
                return CUDA_ERROR_NOT_SUPPORTED;
            }
            params.push_back(type);
        } else if (current && w.rfind("{", 0) == 0) {
            CUresult r = finishEntry();
            if (r != CUDA_SUCCESS) {
                return r;
            }
        }
    }
    CUresult r = finishEntry();
    if (r != CUDA_SUCCESS) {
        return r;
    }
    if (!sawVersion) {
        report("cuModuleLoadData", "the image is not PTX text (no .version line)");
        return CUDA_ERROR_INVALID_IMAGE;
    }
    std::lock_guard<std::mutex> l(g_mutex);
    CUmod_st* m = module.release();
    g_modules.insert(m);
    *out = m;
    return CUDA_SUCCESS;
}

}  // namespace

HC_API CUresult cuModuleLoadData(CUmodule* module, const void* image) {
    REQUIRE_CONTEXT("cuModuleLoadData");
    return loadModule(module, image);
}

HC_API CUresult cuModuleLoadDataEx(CUmodule* module, const void* image, unsigned int, CUjit_option*, void**) {
    REQUIRE_CONTEXT("cuModuleLoadDataEx");
    return loadModule(module, image);
}

HC_API CUresult cuModuleUnload(CUmodule m) {
    REQUIRE_CONTEXT("cuModuleUnload");
    std::lock_guard<std::mutex> l(g_mutex);
    if (!g_modules.erase(m)) {
        return CUDA_ERROR_INVALID_HANDLE;
    }
    return CUDA_SUCCESS;  // kept allocated: queued launches may still name its functions
}

HC_API CUresult cuModuleGetFunction(CUfunction* f, CUmodule m, const char* name) {
    REQUIRE_CONTEXT("cuModuleGetFunction");
    {
        std::lock_guard<std::mutex> l(g_mutex);
        if (!g_modules.count(m)) {
            return CUDA_ERROR_INVALID_HANDLE;
        }
    }
    if (!f || !name) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    auto it = m->functions.find(name);
    if (it == m->functions.end()) {
        report("cuModuleGetFunction", std::string("no .entry ") + name + " in the module");
        return CUDA_ERROR_NOT_FOUND;
    }
    *f = it->second.get();
    return CUDA_SUCCESS;
}

HC_API CUresult cuLaunchKernel(CUfunction f, unsigned int gx, unsigned int gy, unsigned int gz, unsigned int bx,
                               unsigned int by, unsigned int bz, unsigned int sharedMemBytes, CUstream h,
                               void** kernelParams, void** extra) {
    REQUIRE_CONTEXT("cuLaunchKernel");
    if (!f) {
        return CUDA_ERROR_INVALID_HANDLE;
    }
    const HcKernel* k = f->kernel;
    std::string call = "cuLaunchKernel(" + k->name + ")";
    if (gx == 0 || gy == 0 || gz == 0 || gx > 2147483647u || gy > 65535 || gz > 65535) {
        report(call, "grid " + std::to_string(gx) + "x" + std::to_string(gy) + "x" + std::to_string(gz) +
                         " out of range");
        return CUDA_ERROR_INVALID_VALUE;
    }
    if (bx == 0 || by == 0 || bz == 0 || bx > 1024 || by > 1024 || bz > 64 ||
        static_cast<uint64_t>(bx) * by * bz > 1024) {
        report(call, "block " + std::to_string(bx) + "x" + std::to_string(by) + "x" + std::to_string(bz) +
                         " out of range (at most 1024 threads)");
        return CUDA_ERROR_INVALID_VALUE;
    }
    if (sharedMemBytes > 49152) {
        report(call, std::to_string(sharedMemBytes) + " bytes of dynamic shared memory exceed 48 KiB");
        return CUDA_ERROR_INVALID_VALUE;
    }
    if (extra != nullptr) {
        report(call, "the `extra` parameter form is not modelled (pass kernelParams)");
        return CUDA_ERROR_NOT_SUPPORTED;
    }
    if (!k->sizes.empty() && kernelParams == nullptr) {
        report(call, "kernelParams is NULL, the kernel takes " + std::to_string(k->sizes.size()) + " parameters");
        return CUDA_ERROR_INVALID_VALUE;
    }
    // The parameters are copied now, as the driver does: the caller may free its arrays once the call returns.
    auto packed = std::make_shared<std::vector<unsigned char>>(k->packedBytes);
    std::vector<HcRange> ranges;
    for (size_t i = 0; i < k->sizes.size(); i++) {
        std::memcpy(packed->data() + k->offsets[i], kernelParams[i], k->sizes[i]);
        if (k->kinds[i] == 'P') {
            uint64_t address;
            std::memcpy(&address, packed->data() + k->offsets[i], 8);
            if (address != 0) {
                ranges.push_back({address, 1, "pointer argument " + std::to_string(i)});
            }
        }
    }
    return enqueue(h, call, ranges, [k, packed, gx, gy, gz, bx, by, bz, call] {
        std::string error = k->run(packed->data(), {gx, gy, gz}, {bx, by, bz});
        if (!error.empty()) {
            fault(call + ": " + error);
        }
    });
}

// ---- stream capture and graphs --------------------------------------------------------------------------------------

HC_API CUresult cuStreamBeginCapture_v2(CUstream h, CUstreamCaptureMode mode) {
    REQUIRE_CONTEXT("cuStreamBeginCapture");
    if (h == nullptr || h == CU_STREAM_LEGACY || h == CU_STREAM_PER_THREAD) {
        report("cuStreamBeginCapture", "the legacy default stream cannot capture");
        return CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED;
    }
    CUstream_st* s = resolve(h);
    if (!s) {
        return CUDA_ERROR_INVALID_HANDLE;
    }
    if (mode != CU_STREAM_CAPTURE_MODE_GLOBAL && mode != CU_STREAM_CAPTURE_MODE_THREAD_LOCAL &&
        mode != CU_STREAM_CAPTURE_MODE_RELAXED) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    std::lock_guard<std::mutex> l(s->m);
    if (s->capturing) {
        report("cuStreamBeginCapture", "the stream is already capturing");
        return CUDA_ERROR_ILLEGAL_STATE;
    }
    s->capturing = true;
    s->invalidated = false;
    s->mode = mode;
    s->captureThread = std::this_thread::get_id();
    s->captured.clear();
    return CUDA_SUCCESS;
}

HC_API CUresult cuStreamEndCapture(CUstream h, CUgraph* graph) {
    REQUIRE_CONTEXT("cuStreamEndCapture");
    CUstream_st* s = resolve(h);
    if (!s || !graph) {
        return s ? CUDA_ERROR_INVALID_VALUE : CUDA_ERROR_INVALID_HANDLE;
    }
    std::vector<OpPtr> ops;
    {
        std::lock_guard<std::mutex> l(s->m);
        if (!s->capturing) {
            report("cuStreamEndCapture", "the stream is not capturing");
            return CUDA_ERROR_ILLEGAL_STATE;
        }
        if (s->mode != CU_STREAM_CAPTURE_MODE_RELAXED && s->captureThread != std::this_thread::get_id()) {
            return CUDA_ERROR_STREAM_CAPTURE_WRONG_THREAD;
        }
        s->capturing = false;
        ops.swap(s->captured);
        if (s->invalidated) {
            *graph = nullptr;
            report("cuStreamEndCapture", "the capture was invalidated by an operation it could not hold (above)");
            return CUDA_ERROR_STREAM_CAPTURE_INVALIDATED;
        }
    }
    auto* g = new CUgraph_st{std::move(ops)};
    std::lock_guard<std::mutex> l(g_mutex);
    g_graphs.insert(g);
    *graph = g;
    return CUDA_SUCCESS;
}

HC_API CUresult cuStreamIsCapturing(CUstream h, CUstreamCaptureStatus* status) {
    REQUIRE_CONTEXT("cuStreamIsCapturing");
    CUstream_st* s = resolve(h);
    if (!s || !status) {
        return s ? CUDA_ERROR_INVALID_VALUE : CUDA_ERROR_INVALID_HANDLE;
    }
    std::lock_guard<std::mutex> l(s->m);
    *status = !s->capturing ? CU_STREAM_CAPTURE_STATUS_NONE
                            : s->invalidated ? CU_STREAM_CAPTURE_STATUS_INVALIDATED : CU_STREAM_CAPTURE_STATUS_ACTIVE;
    return CUDA_SUCCESS;
}

HC_API CUresult cuGraphInstantiateWithFlags(CUgraphExec* exec, CUgraph graph, unsigned long long flags) {
    REQUIRE_CONTEXT("cuGraphInstantiate");
    std::lock_guard<std::mutex> l(g_mutex);
    if (!g_graphs.count(graph)) {
        report("cuGraphInstantiate", "not a live graph: " + hex(reinterpret_cast<uint64_t>(graph)));
        return CUDA_ERROR_INVALID_VALUE;
    }
    if (!exec || (flags & ~0xfull) != 0) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    auto* e = new CUgraphExec_st{graph->ops};
    g_execs.insert(e);
    *exec = e;
    return CUDA_SUCCESS;
}

HC_API CUresult cuGraphLaunch(CUgraphExec exec, CUstream h) {
    REQUIRE_CONTEXT("cuGraphLaunch");
    {
        std::lock_guard<std::mutex> l(g_mutex);
        if (!g_execs.count(exec)) {
            report("cuGraphLaunch", "not a live executable graph: " + hex(reinterpret_cast<uint64_t>(exec)));
            return CUDA_ERROR_INVALID_VALUE;
        }
    }
    // Every captured operation's memory must still be allocated: a graph replays raw addresses.
    for (const OpPtr& op : exec->ops) {
        if (!checkRanges("cuGraphLaunch (captured " + op->call + ")", op->ranges)) {
            return CUDA_ERROR_INVALID_VALUE;
        }
    }
    std::vector<OpPtr> ops = exec->ops;
    return enqueue(h, "cuGraphLaunch", {}, [ops] {
        for (const OpPtr& op : ops) {
            op->work();
        }
    });
}

HC_API CUresult cuGraphExecDestroy(CUgraphExec exec) {
    REQUIRE_CONTEXT("cuGraphExecDestroy");
    std::lock_guard<std::mutex> l(g_mutex);
    if (!g_execs.erase(exec)) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    return CUDA_SUCCESS;  // kept allocated: a queued launch still holds its operations by value
}

HC_API CUresult cuGraphDestroy(CUgraph graph) {
    REQUIRE_CONTEXT("cuGraphDestroy");
    std::lock_guard<std::mutex> l(g_mutex);
    if (!g_graphs.erase(graph)) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    delete graph;
    return CUDA_SUCCESS;
}

// The emulated devices' thread blocks (EmulatedDevice's server and host CUDA's libcuda both include this once, in the
// file that runs launches): every CUDA thread of a block runs as a fiber on its own stack, and __syncthreads() is a
// real barrier. So a block runs with the launch's blockDim (256 for the engine's kernels), each thread sees its own
// threadIdx, and the shared-memory reductions run their trees with 256 threads as on a GPU.
//
// Between two barriers the threads run one after another, in an order shuffled afresh for every block and barrier
// phase (CORTADO_EMU_ORDER=forward|reverse|shuffle, CORTADO_EMU_SEED). A missing barrier therefore shows: some thread
// reads a shared value before the thread that owns it has written it, and the result is wrong. A block whose threads
// do not meet at the same barrier (a __syncthreads() under a condition that differs between threads, or one skipped
// by a thread that returned early) is an error of the launch, named with the kernel's source line, where a GPU
// would hang or silently compute garbage.
//
// Built with ThreadSanitizer instead (EmulatedDevice with -Dcortado.emu.sanitizer=thread), every CUDA thread of the
// launch is a TSan fiber of its own: threads of a block are ordered only by its barriers, blocks not at all (except
// that blocks using shared memory follow one another, since they share one copy of it), launches follow one another
// as in a stream. So two threads touching one location, one of them writing, without a barrier between them (within
// a block), or in two blocks, are reported as a data race with both threads' stacks, however the emulator happened to
// order them. Blocks take their fibers from SLOTS sets in turn: blocks b and b + SLOTS share fibers, so a race between
// exactly those two goes unseen.
//
// Cost: the threads that do not wait at a barrier run one after another as plain calls inside one fiber, so a kernel
// without barriers pays one fiber per block; a thread that waits keeps that fiber's stack, and the threads after it
// go on in a new one. A fiber switch saves the callee-saved registers, MXCSR and the x87 control word and swaps
// stacks (x86-64 System V, a few nanoseconds, where glibc's swapcontext makes a system call).
#pragma once
#if !defined(__x86_64__)
#error "the emulated device's fibers switch stacks in x86-64 assembly"
#endif
#include <sys/mman.h>

#include <cstdint>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif
#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
// The scheduler itself is not checked: its bookkeeping is sequential by construction, and TSan must not see it.
#define EMU_SCHEDULER __attribute__((no_sanitize_thread, noinline))
#else
#define EMU_SCHEDULER
#endif

EmuDim3 threadIdx, blockIdx, blockDim, gridDim;

// void emu_switch_stack(void** saveSp, void* loadSp): saves the running context on its stack, stores the stack
// pointer in *saveSp, and resumes the context whose stack pointer is loadSp.
asm(R"(
    .text
    .p2align 4
    .hidden emu_switch_stack
    .type emu_switch_stack, @function
emu_switch_stack:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    subq $8, %rsp
    stmxcsr (%rsp)
    fnstcw 4(%rsp)
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    ldmxcsr (%rsp)
    fldcw 4(%rsp)
    addq $8, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .size emu_switch_stack, .-emu_switch_stack
)");
extern "C" void emu_switch_stack(void** saveSp, void* loadSp);

// The bounds of the kernels' __shared__ arrays (emu.h puts them in this section; the linker names its ends).
extern "C" __attribute__((weak)) char __start_emu_shared[];
extern "C" __attribute__((weak)) char __stop_emu_shared[];

namespace emu_blocks {

constexpr size_t STACK_BYTES = 256 << 10;  // ASan's redzones make frames larger than plain builds'
constexpr size_t GUARD_BYTES = 4096;       // PROT_NONE below each stack: an overflow faults instead of corrupting
constexpr unsigned SLOTS = 4;              // sets of TSan fibers that blocks take in turn

enum class State { UNSTARTED, RUNNING, AT_BARRIER, DONE };

struct Thread {
    State state = State::UNSTARTED;
    EmuDim3 index{0, 0, 0};
    void* sp = nullptr;  // while it waits at a barrier
    int stack = -1;
    const char* barrierFile = nullptr;
    int barrierLine = 0;
};

struct Scheduler {
    std::vector<char*> stacks;  // each one's lowest usable byte (above its guard page)
    std::vector<int> freeStacks;
    std::vector<Thread> threads;
    std::vector<int> order;  // the order in which the block's threads start
    size_t started = 0;      // how many of `order` have started
    int current = -1;        // the thread running, -1 on the launching (main) stack
    int runnerStack = -1;    // the stack a fiber being started runs on
    void* mainSp = nullptr;
    const std::function<void()>* body = nullptr;
    uint64_t rng = 0;
    bool sharedDirty = true;  // whether shared memory may hold a block's values (set by a barrier)
    unsigned slot = 0;        // the running block's set of TSan fibers
#if defined(__SANITIZE_THREAD__)
    void* mainFiber = nullptr;
    std::vector<void*> fibers[SLOTS];  // per slot, one per thread of a block
    char launchToken = 0;              // released by the host side, acquired by each thread as it starts
    char doneToken = 0;                // released by each thread as it ends, acquired by the host side
    char barrierToken[SLOTS] = {};     // released by each thread reaching a barrier, acquired as it passes
#endif
#if defined(__SANITIZE_ADDRESS__)
    const void* mainBottom = nullptr;
    size_t mainSize = 0;
#endif
};

inline Scheduler& scheduler() {
    static Scheduler s;
    return s;
}

#if defined(__SANITIZE_THREAD__)
// TSan's fiber for thread t of the running block's slot. The scheduler's bookkeeping runs as the main fiber (TSan
// sees the library code it calls): only the kernel's own code runs as a thread's fiber.
EMU_SCHEDULER inline void* tsanFiber(Scheduler& s, int t) {
    std::vector<void*>& f = s.fibers[s.slot];
    if (f.size() <= static_cast<size_t>(t)) {
        f.resize(t + 1, nullptr);
    }
    if (!f[t]) {
        f[t] = __tsan_create_fiber(0);
        std::string name = "emulated thread " + std::to_string(t) + " of a block of slot " + std::to_string(s.slot);
        __tsan_set_fiber_name(f[t], name.c_str());
    }
    return f[t];
}
#endif

inline uint64_t nextRandom(uint64_t& state) {  // SplitMix64
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

enum class Order { SHUFFLE, FORWARD, REVERSE };

inline Order order() {
    static const Order o = [] {
        const char* v = std::getenv("CORTADO_EMU_ORDER");
        std::string s = v ? v : "";
        return s == "forward" ? Order::FORWARD : s == "reverse" ? Order::REVERSE : Order::SHUFFLE;
    }();
    return o;
}

inline uint64_t seed() {
    static const uint64_t s = [] {
        const char* v = std::getenv("CORTADO_EMU_SEED");
        return v && *v ? std::strtoull(v, nullptr, 10) : 1ull;
    }();
    return s;
}

// Puts `ids` (sorted) in the order the threads run in: as they are, reversed, or shuffled (Fisher-Yates).
EMU_SCHEDULER inline void arrange(Scheduler& s, std::vector<int>& ids) {
    if (order() == Order::REVERSE) {
        std::reverse(ids.begin(), ids.end());
    } else if (order() == Order::SHUFFLE) {
        for (size_t i = ids.size(); i > 1; i--) {
            size_t j = static_cast<size_t>(((nextRandom(s.rng) >> 32) * i) >> 32);  // uniform in [0, i)
            std::swap(ids[i - 1], ids[j]);
        }
    }
}

EMU_SCHEDULER inline int takeStack(Scheduler& s) {
    if (s.freeStacks.empty()) {
        void* p = mmap(nullptr, STACK_BYTES + GUARD_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) {
            std::abort();
        }
        mprotect(p, GUARD_BYTES, PROT_NONE);
        s.stacks.push_back(static_cast<char*>(p) + GUARD_BYTES);
        return static_cast<int>(s.stacks.size()) - 1;
    }
    int i = s.freeStacks.back();
    s.freeStacks.pop_back();
    return i;
}

// Switches from the running context to the one whose stack pointer is `toSp`, telling AddressSanitizer which stack
// it lands on; `leaving`: the running fiber never resumes.
EMU_SCHEDULER inline void switchTo(void** saveSp, void* toSp, const void* toBottom, size_t toSize, bool leaving) {
#if defined(__SANITIZE_ADDRESS__)
    void* fake = nullptr;
    __sanitizer_start_switch_fiber(leaving ? nullptr : &fake, toBottom, toSize);
    emu_switch_stack(saveSp, toSp);
    __sanitizer_finish_switch_fiber(fake, nullptr, nullptr);
#else
    (void) toBottom;
    (void) toSize;
    (void) leaving;
    emu_switch_stack(saveSp, toSp);
#endif
}

EMU_SCHEDULER inline void toMain(Scheduler& s, void** saveSp, bool leaving) {
#if defined(__SANITIZE_ADDRESS__)
    switchTo(saveSp, s.mainSp, s.mainBottom, s.mainSize, leaving);
#else
    switchTo(saveSp, s.mainSp, nullptr, 0, leaving);
#endif
}

// Where every fiber starts (entered by emu_switch_stack's `ret`): starts the block's threads in order, each a plain
// call, until none is left. A thread that waits at a barrier keeps this stack (the barrier goes back to the main
// stack, which starts the next threads in another fiber); when it resumes and ends, this loop finds nothing left.
[[noreturn]] EMU_SCHEDULER inline void fiberEntry() {
    Scheduler& s = scheduler();
#if defined(__SANITIZE_ADDRESS__)
    __sanitizer_finish_switch_fiber(nullptr, &s.mainBottom, &s.mainSize);
#endif
    int stack = s.runnerStack;
    while (s.started < s.order.size()) {
        int t = s.order[s.started++];
        Thread& th = s.threads[t];
        th.state = State::RUNNING;
        th.stack = stack;
        s.current = t;
        threadIdx = th.index;
#if defined(__SANITIZE_THREAD__)
        void* fiber = tsanFiber(s, t);
        const std::function<void()>* body = s.body;
        __tsan_switch_to_fiber(fiber, __tsan_switch_to_fiber_no_sync);
        __tsan_acquire(&s.launchToken);
        (*body)();
        __tsan_release(&s.doneToken);
        __tsan_switch_to_fiber(s.mainFiber, __tsan_switch_to_fiber_no_sync);
#else
        (*s.body)();
#endif
        s.threads[t].state = State::DONE;
    }
    s.freeStacks.push_back(stack);  // no thread lives on it any more
    void* unused;
    toMain(s, &unused, true);
    __builtin_trap();
}

// A fresh frame at the top of stack i that emu_switch_stack "returns" into fiberEntry from.
EMU_SCHEDULER inline void* initialFrame(Scheduler& s, int i) {
#if defined(__SANITIZE_ADDRESS__)
    // The stack's last fiber ended inside fiberEntry -> switchTo, whose frames' redzones are still marked.
    __asan_unpoison_memory_region(s.stacks[i] + STACK_BYTES - 8192, 8192);
#endif
    // Tops staggered by 256 bytes: stacks 256 KiB apart would put every thread's hot frames in the same cache sets.
    uintptr_t top = reinterpret_cast<uintptr_t>(s.stacks[i] + STACK_BYTES) - static_cast<uintptr_t>(i % 16) * 256;
    auto* w = reinterpret_cast<uint64_t*>(top & ~static_cast<uintptr_t>(15));
    w[-1] = 0;                                        // fiberEntry's return address: it never returns
    w[-2] = reinterpret_cast<uint64_t>(&fiberEntry);  // popped by `ret`; fiberEntry starts with rsp = top - 8
    for (int r = 3; r <= 8; r++) {
        w[-r] = 0;                                    // rbp, rbx, r12-r15
    }
    unsigned short fpucw;
    asm volatile("fnstcw %0" : "=m"(fpucw));
    auto* csr = reinterpret_cast<uint32_t*>(&w[-9]);
    csr[0] = __builtin_ia32_stmxcsr();
    csr[1] = fpucw;
    return &w[-9];
}

EMU_SCHEDULER inline void startFiber(Scheduler& s) {
    int stack = takeStack(s);
    s.runnerStack = stack;
    switchTo(&s.mainSp, initialFrame(s, stack), s.stacks[stack], STACK_BYTES, false);
    s.current = -1;
}

EMU_SCHEDULER inline void resume(Scheduler& s, int t) {
    Thread& th = s.threads[t];
    th.state = State::RUNNING;
    s.current = t;
    threadIdx = th.index;
    void* sp = th.sp;
    const void* bottom = s.stacks[th.stack];
#if defined(__SANITIZE_THREAD__)
    // The thread goes back to TSan's main fiber before it switches back here (emuSyncthreads, fiberEntry).
    __tsan_switch_to_fiber(tsanFiber(s, t), __tsan_switch_to_fiber_no_sync);
#endif
    switchTo(&s.mainSp, sp, bottom, STACK_BYTES, false);
    s.current = -1;
}

inline std::string where(const Thread& t) {
    return std::string(t.barrierFile) + ":" + std::to_string(t.barrierLine);
}

inline std::string threadName(const Thread& t) {
    return "thread (" + std::to_string(t.index.x) + "," + std::to_string(t.index.y) + "," +
           std::to_string(t.index.z) + ")";
}

// Fills shared memory with 0xff bytes (NaN as float or double, -1 as int) if a block since the last fill may have
// written it: only a block whose threads met at a barrier shares values through it.
EMU_SCHEDULER inline void poisonShared(Scheduler& s) {
    if (s.sharedDirty && __start_emu_shared != nullptr) {
#if defined(__SANITIZE_THREAD__)
        __tsan_acquire(&s.doneToken);  // after the blocks that used it; the next block's threads after the fill
#endif
        std::memset(__start_emu_shared, 0xff, static_cast<size_t>(__stop_emu_shared - __start_emu_shared));
#if defined(__SANITIZE_THREAD__)
        __tsan_release(&s.launchToken);
#endif
    }
    s.sharedDirty = false;
}

// Runs the current block (blockIdx, blockDim set) to its end; "" or what went wrong.
EMU_SCHEDULER inline std::string runBlock(Scheduler& s) {
    poisonShared(s);
    size_t n = static_cast<size_t>(blockDim.x) * blockDim.y * blockDim.z;
    s.threads.resize(n);
    s.order.resize(n);
    for (size_t i = 0; i < n; i++) {
        Thread& t = s.threads[i];
        t.state = State::UNSTARTED;
        t.index = {static_cast<unsigned>(i % blockDim.x), static_cast<unsigned>(i / blockDim.x % blockDim.y),
                   static_cast<unsigned>(i / (static_cast<size_t>(blockDim.x) * blockDim.y))};
        s.order[i] = static_cast<int>(i);
    }
    arrange(s, s.order);
    s.started = 0;
    while (s.started < n) {
        startFiber(s);  // back when its threads have all ended, or one of them waits at a barrier
    }
    std::vector<int> live = s.order;
    for (;;) {
        std::vector<int> waiting;
        const Thread* finished = nullptr;
        for (int t : live) {
            if (s.threads[t].state == State::AT_BARRIER) {
                waiting.push_back(t);
            } else if (!finished) {
                finished = &s.threads[t];
            }
        }
        if (waiting.empty()) {
            return "";
        }
        const Thread& first = s.threads[waiting.front()];
        if (finished) {
            return threadName(*finished) + " returned while " + std::to_string(waiting.size()) + " threads wait at " +
                   "__syncthreads() at " + where(first) + " (a barrier not reached by every thread of the block)";
        }
        for (int t : waiting) {
            const Thread& other = s.threads[t];
            if (other.barrierLine != first.barrierLine || std::string(other.barrierFile) != first.barrierFile) {
                return threadName(first) + " waits at __syncthreads() at " + where(first) + " and " +
                       threadName(other) + " at " + where(other) + " (a barrier under a divergent condition)";
            }
        }
        std::sort(waiting.begin(), waiting.end());
        arrange(s, waiting);
        for (int t : waiting) {
            resume(s, t);
        }
        live = std::move(waiting);
    }
}

// Frees every stack after a block was abandoned (its waiting threads never resume; their frames hold nothing to
// destroy), and clears AddressSanitizer's marks on them.
EMU_SCHEDULER inline void abandonAll(Scheduler& s) {
    s.freeStacks.clear();
    for (size_t i = 0; i < s.stacks.size(); i++) {
#if defined(__SANITIZE_ADDRESS__)
        __asan_unpoison_memory_region(s.stacks[i], STACK_BYTES);
#endif
        s.freeStacks.push_back(static_cast<int>(i));
    }
}

}  // namespace emu_blocks

// __syncthreads(): the running thread waits until every thread of its block has reached the barrier (emu.h).
EMU_SCHEDULER void emuSyncthreads(const char* file, int line) {
    emu_blocks::Scheduler& s = emu_blocks::scheduler();
    if (s.current < 0) {
        return;  // a block of one thread runs on the launching stack: nobody to wait for
    }
#if defined(__SANITIZE_THREAD__)
    __tsan_release(&s.barrierToken[s.slot]);
    __tsan_switch_to_fiber(s.mainFiber, __tsan_switch_to_fiber_no_sync);
#endif
    emu_blocks::Thread& t = s.threads[s.current];
    s.sharedDirty = true;
    t.state = emu_blocks::State::AT_BARRIER;
    t.barrierFile = file;
    t.barrierLine = line;
#if defined(__SANITIZE_THREAD__)
    unsigned slot = s.slot;
    emu_blocks::toMain(s, &t.sp, false);
    __tsan_acquire(&s.barrierToken[slot]);  // resumed (as this thread's fiber): every thread of the block released it
#else
    emu_blocks::toMain(s, &t.sp, false);
#endif
}

// Runs `body` (one thread's kernel call) for every thread of every block of the grid, blocks one after another.
// Returns "" or the first failing block's error, naming the block; the kernel's remaining work is then abandoned.
EMU_SCHEDULER inline std::string emuRunGrid(EmuDim3 grid, EmuDim3 block, const std::function<void()>& body) {
    emu_blocks::Scheduler& s = emu_blocks::scheduler();
#if defined(__SANITIZE_THREAD__)
    s.mainFiber = __tsan_get_current_fiber();
    __tsan_release(&s.launchToken);  // what the host wrote before the launch
    struct AfterLaunch {             // and what the threads wrote, for the host after it
        emu_blocks::Scheduler& s;
        ~AfterLaunch() { __tsan_acquire(&s.doneToken); }
    } after{s};
#endif
    static uint64_t launches = 0;
    s.rng = emu_blocks::seed() * 0x2545F4914F6CDD1Dull + ++launches;
    s.body = &body;
    gridDim = grid;
    blockDim = block;
    bool single = block.x * block.y * block.z == 1;
    for (unsigned z = 0; z < grid.z; z++) {
        for (unsigned y = 0; y < grid.y; y++) {
            for (unsigned x = 0; x < grid.x; x++) {
                blockIdx = {x, y, z};
                s.slot = static_cast<unsigned>((x + grid.x * (y + static_cast<uint64_t>(grid.y) * z)) %
                                               emu_blocks::SLOTS);
                if (single) {
                    threadIdx = {0, 0, 0};
                    body();
                    continue;
                }
                std::string error = emu_blocks::runBlock(s);
                if (!error.empty()) {
                    emu_blocks::abandonAll(s);
                    return "block (" + std::to_string(x) + "," + std::to_string(y) + "," + std::to_string(z) +
                           "): " + error;
                }
            }
        }
    }
    return "";
}

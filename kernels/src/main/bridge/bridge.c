/*
 * A soname bridge: a shared library whose soname and symbol version node are BRIDGE_SONAME (say libcublas.so.12),
 * exporting every function the JCuda natives import from that soname, each a one-instruction jump through a pointer
 * that the constructor resolves with dlsym in the real library of another major version (say libcublas.so.13).
 *
 * Why: the JCuda natives on Maven Central were linked against CUDA 12 / cuDNN 8 and import versioned symbols
 * (cublasSgemm_v2@libcublas.so.12). The loader refuses a symlink to libcublas.so.13 because the version node
 * differs; this library defines the node (through the version script the build writes) and forwards.
 *
 * How it finds the real library without LD_LIBRARY_PATH: the Java loader (org.cortado.gpu.NativeStack) first
 * System.load()s the real library by absolute path, then this bridge. dlopen(name, RTLD_NOLOAD) of a soname matches an
 * already loaded object carrying that soname, so the constructor gets the very library Java chose; only when none is
 * loaded does it fall back to an ordinary dlopen through the loader's search path.
 *
 * The trampolines are x86-64 assembly because the bridge must forward calls whose signatures it does not know: a
 * jmp leaves every argument register and the stack as the caller set them. Before jumping each trampoline puts its
 * index in %r11 (a scratch register no calling convention passes arguments in), so that a function missing from the
 * target reports its own name and returns BRIDGE_MISSING_STATUS instead of crashing.
 *
 * Compiled by kernels/src/build/native.sh with -DBRIDGE_SONAME, -DBRIDGE_TARGETS, -DBRIDGE_MISSING_STATUS and an
 * include path holding symbols.inc, one BRIDGE_SYMBOL(index, name) line per symbol of the committed list.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>

#if !defined(__x86_64__)
#error "the bridge trampolines are written for x86-64, the only platform the JCuda natives are built for here"
#endif

/* Bind to the oldest versions of dlopen/dlsym (glibc 2.34 moved them into libc under a new version, which a build
 * here would otherwise require), so that the bridge loads on every glibc the JCuda natives load on. */
__asm__(".symver dlopen,dlopen@GLIBC_2.2.5");
__asm__(".symver dlsym,dlsym@GLIBC_2.2.5");

static const char *const bridge_targets[] = {BRIDGE_TARGETS};
#define TARGET_COUNT ((int) (sizeof(bridge_targets) / sizeof(bridge_targets[0])))

static const char *const bridge_names[] = {
#define BRIDGE_SYMBOL(index, name) #name,
#include "symbols.inc"
#undef BRIDGE_SYMBOL
};
#define SYMBOL_COUNT ((int) (sizeof(bridge_names) / sizeof(bridge_names[0])))

/* The jump table, one slot per symbol, hidden so the trampolines address it %rip-relative and it is not exported. */
__attribute__((visibility("hidden"))) void *bridge_table[SYMBOL_COUNT];

/* Where a call to a symbol that the target lacks lands: %r11 holds its index. */
__attribute__((visibility("hidden"))) void bridge_missing_entry(void);

static const char *bridge_target_name = 0;
static volatile char bridge_reported[SYMBOL_COUNT];

__attribute__((visibility("hidden"), used)) int bridge_report_missing(long index) {
    if (index >= 0 && index < SYMBOL_COUNT && !bridge_reported[index]) {
        bridge_reported[index] = 1;
        if (bridge_target_name != 0) {
            fprintf(stderr, "cortado: %s (bridge %s) is not in %s; returning status %d\n", bridge_names[index],
                    BRIDGE_SONAME, bridge_target_name, BRIDGE_MISSING_STATUS);
        } else {
            fprintf(stderr, "cortado: bridge %s found none of its targets loaded or on the loader's path; %s returns"
                    " status %d\n", BRIDGE_SONAME, bridge_names[index], BRIDGE_MISSING_STATUS);
        }
    }
    return BRIDGE_MISSING_STATUS;
}

__asm__(".pushsection .text\n"
        ".p2align 4\n"
        "bridge_missing_entry:\n"
        "\tmovq %r11, %rdi\n"
        "\tjmp bridge_report_missing\n"
        ".popsection\n");

#define BRIDGE_SYMBOL(index, name)                                                                                  \
    __asm__(".pushsection .text\n"                                                                                  \
            ".globl " #name "\n"                                                                                    \
            ".type " #name ", @function\n"                                                                          \
            ".p2align 4\n" #name ":\n"                                                                              \
            "\tmovl $" #index ", %r11d\n"                                                                           \
            "\tjmp *bridge_table+8*" #index "(%rip)\n"                                                              \
            ".size " #name ", .-" #name "\n"                                                                        \
            ".popsection\n");
#include "symbols.inc"
#undef BRIDGE_SYMBOL

__attribute__((constructor)) static void bridge_init(void) {
    void *target = 0;
    /* First a library the Java loader already loaded by absolute path (matched by soname), then the search path. */
    for (int pass = 0; pass < 2 && target == 0; pass++) {
        for (int t = 0; t < TARGET_COUNT && target == 0; t++) {
            /* RTLD_LAZY: asking RTLD_NOW of an object Java loaded lazily would bind all its symbols now. */
            target = dlopen(bridge_targets[t], pass == 0 ? (RTLD_LAZY | RTLD_NOLOAD) : RTLD_LAZY);
            if (target != 0) {
                bridge_target_name = bridge_targets[t];
            }
        }
    }
    for (int i = 0; i < SYMBOL_COUNT; i++) {
        void *f = target != 0 ? dlsym(target, bridge_names[i]) : 0;
        bridge_table[i] = f != 0 ? f : (void *) bridge_missing_entry;
    }
}

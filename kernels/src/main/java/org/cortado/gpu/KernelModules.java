package org.cortado.gpu;

import static jcuda.driver.JCudaDriver.cuModuleGetFunction;
import static jcuda.driver.JCudaDriver.cuModuleLoadData;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import jcuda.CudaException;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.nvrtc.JNvrtc;
import jcuda.nvrtc.nvrtcProgram;

/**
 * The engine's kernels on one context: each module from the PTX that nvcc made at build time, or, where the driver
 * cannot JIT that PTX (a driver older than the build's CUDA) or the jar has none (built without nvcc), compiled from
 * the embedded {@code .cu} source by NVRTC for this device's architecture.
 */
final class KernelModules {
    static final String PTX_RESOURCES = "org/cortado/gpu/ptx/";
    static final String CUDA_RESOURCES = "org/cortado/gpu/cuda/";

    private final int ccMajor;
    private final int ccMinor;
    private final boolean nvrtcAvailable;
    /** Compile every module from its source even where the build's PTX would load (tests of the NVRTC path). */
    private final boolean compileSources;
    private final Map<String, CUmodule> modules = new HashMap<>();
    private final Map<Kernel, CUfunction> functions = new EnumMap<>(Kernel.class);
    /** Per module: "ptx" or "nvrtc (reason)", for the backend's description. */
    private final Map<String, String> origin = new HashMap<>();

    KernelModules(int ccMajor, int ccMinor, boolean nvrtcAvailable, boolean compileSources) {
        this.ccMajor = ccMajor;
        this.ccMinor = ccMinor;
        this.nvrtcAvailable = nvrtcAvailable;
        this.compileSources = compileSources;
    }

    /** Loads every module now, so that a driver or compiler problem shows when the backend opens. */
    void loadAll() {
        for (Kernel k : Kernel.values()) {
            function(k);
        }
    }

    CUfunction function(Kernel k) {
        CUfunction f = functions.get(k);
        if (f == null) {
            f = new CUfunction();
            cuModuleGetFunction(f, module(k.module), k.function);
            functions.put(k, f);
        }
        return f;
    }

    /** How each module was obtained. */
    Map<String, String> origins() {
        return Map.copyOf(origin);
    }

    private CUmodule module(String name) {
        CUmodule m = modules.get(name);
        if (m != null) {
            return m;
        }
        m = new CUmodule();
        String ptx = resource(PTX_RESOURCES + name + ".ptx");
        String why;
        if (compileSources) {
            why = "compiling the sources was asked for";
        } else if (ptx == null) {
            why = "no PTX in this jar";
        } else {
            try {
                load(m, ptx);
                modules.put(name, m);
                origin.put(name, "ptx");
                return m;
            } catch (CudaException e) {
                why = "the driver rejected the build's PTX: " + e.getMessage();
            }
        }
        if (!nvrtcAvailable) {
            throw new IllegalStateException("kernel module " + name + ": " + why + ", and NVRTC is not available to"
                    + " compile " + CUDA_RESOURCES + name + ".cu");
        }
        load(m, compile(name));
        modules.put(name, m);
        origin.put(name, "nvrtc (" + why + ")");
        return m;
    }

    private static void load(CUmodule m, String ptx) {
        // The driver reads the image as a NUL-terminated string.
        cuModuleLoadData(m, (ptx + '\0').getBytes(StandardCharsets.US_ASCII));
    }

    /** Compiles the embedded source for this device; the message carries NVRTC's log on failure. */
    private String compile(String name) {
        String source = resource(CUDA_RESOURCES + name + ".cu");
        if (source == null) {
            throw new IllegalStateException("kernel source " + CUDA_RESOURCES + name + ".cu missing from the jar");
        }
        nvrtcProgram program = new nvrtcProgram();
        JNvrtc.nvrtcCreateProgram(program, source, name + ".cu", 0, new String[0], new String[0]);
        try {
            String arch = "--gpu-architecture=compute_" + ccMajor + ccMinor;
            try {
                JNvrtc.nvrtcCompileProgram(program, 1, new String[] {arch});
            } catch (CudaException e) {
                String[] log = new String[1];
                JNvrtc.nvrtcGetProgramLog(program, log);
                throw new IllegalStateException("NVRTC could not compile " + name + ".cu for " + arch + ": "
                        + e.getMessage() + "\n" + log[0], e);
            }
            String[] ptx = new String[1];
            JNvrtc.nvrtcGetPTX(program, ptx);
            return ptx[0];
        } finally {
            JNvrtc.nvrtcDestroyProgram(program);
        }
    }

    static String resource(String path) {
        try (InputStream in = KernelModules.class.getClassLoader().getResourceAsStream(path)) {
            return in == null ? null : new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + path + " from the cortado-kernels jar", e);
        }
    }
}

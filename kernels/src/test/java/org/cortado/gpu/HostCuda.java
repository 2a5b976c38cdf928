package org.cortado.gpu;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * "Host CUDA": a folder laid out as a CUDA 13 / cuDNN 9 install whose {@code libcuda.so.1}, {@code libcublas.so.13}
 * (with its {@code libcublasLt.so.13}) and {@code libcudnn.so.9} (with {@code libcudnn_ops.so.9} and
 * {@code libcudnn_cnn.so.9}) are CPU implementations built here with g++ from {@code src/test/native/hostcuda} and the
 * engine's {@code .cu} sources (through the emulated device's {@code emu.h}). {@link #open} loads it with
 * {@link NativeStack} and opens a real {@link GpuBackend} on it, so that {@link CudaContext}, {@link KernelModules},
 * {@link CudnnConvolution} and {@link GpuGraph} run through the real JCuda natives and the soname bridges on a machine
 * without a GPU: streams asynchronous, device ranges checked, cuBLAS's and cuDNN's argument checks (see the sources
 * and kernels/README.md, "Host CUDA"). NativeStack is once per JVM, so the HostCuda tests run in a surefire execution
 * of their own ({@code host-cuda} in kernels/pom.xml).
 */
final class HostCuda {
    private static final Path SOURCES = Path.of("src/test/native/hostcuda");
    private static final Path EMU = Path.of("src/test/native/emu");
    private static final Path ROOT = Path.of("target/hostcuda");
    private static final String STAMP = ".built";
    /** What a function absent from the stand-in returns where no bridge answers for it (CUDA_ERROR_NOT_SUPPORTED). */
    private static final int DRIVER_NOT_SUPPORTED = 801;

    /** The install a folder imitates: which sonames, which driver version, whether NVRTC is there. */
    enum Layout {
        /**
         * CUDA 13 and cuDNN 9: cuBLAS and cuDNN through the soname bridges, no NVRTC, so the kernels come from the
         * jar's PTX (ISA 9.0, which driver 13.0 loads).
         */
        CUDA_13("cuda-13.0", 13000, "13", "9", List.of("ops", "cnn"), null),
        /**
         * CUDA 12.4 and cuDNN 8: the sonames the JCuda natives were linked against (no bridge; versioned symbols), and
         * a driver that rejects the jar's PTX (ISA 9.0 > 8.4), so KernelModules compiles the sources with NVRTC 12.4.
         */
        CUDA_12("cuda-12.4", 12040, "12", "8", List.of("ops_infer", "cnn_infer"), "12.4");

        final String folder;
        final int driverVersion;
        final String cublasMajor;
        final String cudnnMajor;
        final List<String> cudnnParts;
        /** The NVRTC version ("12.4"), or null for none. */
        final String nvrtc;

        Layout(String folder, int driverVersion, String cublasMajor, String cudnnMajor, List<String> cudnnParts,
               String nvrtc) {
            this.folder = folder;
            this.driverVersion = driverVersion;
            this.cublasMajor = cublasMajor;
            this.cudnnMajor = cudnnMajor;
            this.cudnnParts = cudnnParts;
            this.nvrtc = nvrtc;
        }

        /** Where the toolkit puts its libraries; LibrarySearch is pointed here and nowhere else. */
        Path libs() {
            return ROOT.resolve(folder).resolve("lib64").toAbsolutePath();
        }
    }
    /** Compiles like the emulated device: each float operation rounds on its own. */
    private static final List<String> CXX = List.of("g++", "-std=c++17", "-O1", "-ffp-contract=off", "-fPIC",
            "-shared", "-fvisibility=hidden", "-fvisibility-inlines-hidden", "-pthread", "-Wall",
            "-Wno-unused-function", "-Wno-unused-variable");
    private static final java.util.Map<Layout, Path> INSTALLED = new java.util.EnumMap<>(Layout.class);

    private HostCuda() {
    }

    /** A backend on the host-CUDA device of the CUDA 13 layout. */
    static GpuBackend open(ConvImpl conv, MathMode math) {
        return open(Layout.CUDA_13, conv, math);
    }

    /** A backend on the host-CUDA device, loading the stack from {@link #install} first (once per JVM). */
    static GpuBackend open(Layout layout, ConvImpl conv, MathMode math) {
        return open(layout, conv, math, false);
    }

    /** As {@link #open(Layout, ConvImpl, MathMode)}; with {@code compileKernels}, NVRTC compiles every module. */
    static GpuBackend open(Layout layout, ConvImpl conv, MathMode math, boolean compileKernels) {
        return open(layout, conv, math, Precision.FP32, compileKernels);
    }

    /** A backend on the host-CUDA device whose tensors are stored in {@code precision}. */
    static GpuBackend open(Layout layout, ConvImpl conv, MathMode math, Precision precision) {
        return open(layout, conv, math, precision, false);
    }

    private static GpuBackend open(Layout layout, ConvImpl conv, MathMode math, Precision precision,
                                   boolean compileKernels) {
        Path libs = install(layout);
        NativeStack stack = NativeStack.load(LibrarySearch.of(List.of(libs)));
        if (!stack.report().get(0).contains(libs.toString())) {
            throw new IllegalStateException("this JVM's native stack came from elsewhere, not " + libs + ":\n"
                    + String.join("\n", stack.report()));
        }
        return GpuBackend.open(0, conv, math, precision, compileKernels);
    }

    /**
     * The folder of the stand-in libraries, built on first use and rebuilt when a source is newer; skips the test
     * where a tool or input is missing (g++, gcc, nm, cuda.h, the jar's PTX or bridges).
     */
    static synchronized Path install(Layout layout) {
        if (INSTALLED.containsKey(layout)) {
            return INSTALLED.get(layout);
        }
        for (String tool : List.of("gcc", "g++", "nm")) {
            Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin", tool)),
                    "no /usr/bin/" + tool + ": cannot build the host-CUDA libraries");
        }
        Optional<Path> cudaH = cudaHeaders();
        Assumptions.assumeTrue(cudaH.isPresent(), "no cuda.h under /usr/local/cuda*/include or /usr/include: the"
                + " host-CUDA driver takes its types from the toolkit's header");
        ClassLoader cl = HostCuda.class.getClassLoader();
        Assumptions.assumeTrue(cl.getResource(KernelModules.PTX_RESOURCES + "elementwise.ptx") != null,
                "the build made no PTX (no nvcc): nothing for the host-CUDA driver to load, and no NVRTC here");
        Assumptions.assumeTrue(cl.getResource(NativeStack.NATIVE_RESOURCES + "linux-x86_64/libcublas.so.12") != null,
                "the build made no soname bridges");
        Path libs = layout.libs();
        try {
            if (!upToDate(libs.resolve(STAMP))) {
                build(layout, libs, cudaH.get());
            }
            INSTALLED.put(layout, libs);
            return libs;
        } catch (IOException e) {
            throw new IllegalStateException("cannot build the host-CUDA libraries into " + libs, e);
        }
    }

    private static Optional<Path> cudaHeaders() {
        List<Path> candidates = new ArrayList<>();
        try (Stream<Path> s = Files.list(Path.of("/usr/local"))) {
            s.filter(p -> p.getFileName().toString().startsWith("cuda")).sorted(Comparator.reverseOrder())
                    .forEach(p -> candidates.add(p.resolve("include")));
        } catch (IOException e) {
            // no /usr/local: fall through
        }
        candidates.add(Path.of("/usr/include"));
        return candidates.stream().filter(d -> Files.isRegularFile(d.resolve("cuda.h"))).findFirst();
    }

    /**
     * Whether the stamp is newer than every input: the stand-in sources, emu.h, the kernel sources, the bridges' symbol
     * lists (the stubs) and this file (the build).
     */
    private static boolean upToDate(Path stamp) throws IOException {
        if (!Files.isRegularFile(stamp)) {
            return false;
        }
        FileTime built = Files.getLastModifiedTime(stamp);
        List<Path> inputs = new ArrayList<>(List.of(Path.of("src/test/java/org/cortado/gpu/HostCuda.java")));
        for (Path dir : List.of(SOURCES, EMU, Path.of("src/main/cuda"), Path.of("src/main/bridge"))) {
            try (Stream<Path> s = Files.list(dir)) {
                s.forEach(inputs::add);
            }
        }
        for (Path p : inputs) {
            if (Files.exists(p) && Files.getLastModifiedTime(p).compareTo(built) >= 0) {
                return false;
            }
        }
        return true;
    }

    private static void build(Layout layout, Path libs, Path cudaInclude) throws IOException {
        Path work = ROOT.resolve("build-" + layout.folder).toAbsolutePath();
        Files.createDirectories(work);
        Files.createDirectories(libs);
        Files.deleteIfExists(libs.resolve(STAMP));
        EmulatedDevice.writeKernelIncludes(work, false);
        List<String> driverImports = driverImports(work);
        Files.write(work.resolve("driver_stubs.cpp"), stubs(driverImports, DRIVER_NOT_SUPPORTED));
        Path src = SOURCES.toAbsolutePath();
        List<String> common = new ArrayList<>(CXX);
        common.addAll(List.of("-I" + src, "-I" + EMU.toAbsolutePath(), "-I" + work, "-I" + cudaInclude));

        List<String> cuda = new ArrayList<>(common);
        cuda.addAll(List.of("-DHC_DRIVER_VERSION=" + layout.driverVersion, "-Wl,-soname,libcuda.so.1", "-o",
                libs.resolve("libcuda.so.1").toString(), src.resolve("driver.cpp").toString(),
                src.resolve("kernels.cpp").toString(), work.resolve("driver_stubs.cpp").toString()));
        run(work, cuda);
        List<String> missing = new ArrayList<>(driverImports);
        missing.removeAll(exports(work, libs.resolve("libcuda.so.1")));
        if (!missing.isEmpty()) {
            throw new IllegalStateException("the host-CUDA libcuda.so.1 lacks functions the JCudaDriver native"
                    + " imports: " + missing);
        }

        String cublasLt = "libcublasLt.so." + layout.cublasMajor;
        run(work, List.of("gcc", "-shared", "-fPIC", "-O1", "-Wl,-soname," + cublasLt, "-o",
                libs.resolve(cublasLt).toString(), src.resolve("cublasLt.c").toString()));
        for (String part : layout.cudnnParts) {
            String soname = "libcudnn_" + part + ".so." + layout.cudnnMajor;
            run(work, List.of("gcc", "-shared", "-fPIC", "-O1", "-DHC_PART=" + part, "-Wl,-soname," + soname, "-o",
                    libs.resolve(soname).toString(), src.resolve("companion.c").toString()));
        }
        // Linked against the driver stand-in (its private hostcuda_* queue) and, for cuBLAS, its cublasLt.
        List<String> cublas = library(layout, common, work, libs, "libcublas.so." + layout.cublasMajor, "cublas.cpp",
                List.of("-l:libcuda.so.1", "-l:" + cublasLt));
        List<String> cudnnArgs = new ArrayList<>(List.of("-l:libcuda.so.1", "-ldl"));
        cudnnArgs.add("-DHC_CUDNN_OPS=\"libcudnn_" + layout.cudnnParts.get(0) + ".so." + layout.cudnnMajor + "\"");
        cudnnArgs.add("-DHC_CUDNN_CNN=\"libcudnn_" + layout.cudnnParts.get(1) + ".so." + layout.cudnnMajor + "\"");
        List<String> cudnn = library(layout, common, work, libs, "libcudnn.so." + layout.cudnnMajor, "cudnn.cpp",
                cudnnArgs);
        List<Process> running = new ArrayList<>(List.of(start(work, cublas), start(work, cudnn)));
        List<List<String>> commands = new ArrayList<>(List.of(cublas, cudnn));
        if (layout.nvrtc != null) {
            String major = layout.nvrtc.substring(0, layout.nvrtc.indexOf('.'));
            String minor = layout.nvrtc.substring(layout.nvrtc.indexOf('.') + 1);
            // NVRTC of CUDA 12.x writes PTX ISA 8.x.
            String builtins = "libnvrtc-builtins.so." + layout.nvrtc;
            run(work, List.of("gcc", "-shared", "-fPIC", "-O1", "-DHC_PART=nvrtc_builtins",
                    "-Wl,-soname," + builtins, "-o", libs.resolve(builtins).toString(),
                    src.resolve("companion.c").toString()));
            List<String> nvrtc = library(layout, common, work, libs, "libnvrtc.so." + major, "nvrtc.cpp",
                    List.of("-ldl", "-DHC_NVRTC_MAJOR=" + major, "-DHC_NVRTC_MINOR=" + minor,
                            "-DHC_PTX_ISA=\"" + (Integer.parseInt(major) - 4) + "." + minor + "\"",
                            "-DHC_NVRTC_BUILTINS=\"" + builtins + "\""));
            running.add(start(work, nvrtc));
            commands.add(nvrtc);
        }
        for (int i = 0; i < running.size(); i++) {
            finish(running.get(i), commands.get(i));
        }
        Files.writeString(libs.resolve(STAMP), "built from " + src + " for " + layout + "\n");
    }

    /**
     * The g++ command of a library stand-in. Under a soname the natives import directly (no bridge in between), it
     * carries their symbol version node and a weak stub for every function they import from it (the bridge's list),
     * each returning the API's NOT_SUPPORTED (bridges.conf) with a line naming it.
     */
    private static List<String> library(Layout layout, List<String> common, Path work, Path libs, String soname,
                                        String source, List<String> extra) throws IOException {
        List<String> cmd = new ArrayList<>(common);
        cmd.addAll(List.of("-Wl,-soname," + soname, "-o", libs.resolve(soname).toString(),
                SOURCES.toAbsolutePath().resolve(source).toString(), "-L" + libs));
        Path symbols = Path.of("src/main/bridge", soname + ".symbols");
        if (Files.isRegularFile(symbols)) {
            List<String> names = new ArrayList<>();
            for (String l : Files.readAllLines(symbols)) {
                if (!l.isBlank() && !l.startsWith("#")) {
                    names.add(l.trim());
                }
            }
            Path stubs = work.resolve(soname + "_stubs.cpp");
            Files.write(stubs, stubs(names, missingStatus(soname)));
            Path map = work.resolve(soname + ".map");
            Files.writeString(map, soname + " {\n  global:\n" + names.stream().map(n -> "    " + n + ";\n")
                    .collect(java.util.stream.Collectors.joining()) + "  local: *;\n};\n");
            cmd.addAll(List.of(stubs.toString(), "-Wl,--version-script=" + map));
        }
        cmd.addAll(extra);
        return cmd;
    }

    /** The status bridges.conf gives a function missing behind {@code soname}'s bridge (the API's NOT_SUPPORTED). */
    private static int missingStatus(String soname) throws IOException {
        for (String l : Files.readAllLines(Path.of("src/main/bridge/bridges.conf"))) {
            String[] f = l.trim().split("\\s+");
            if (f.length >= 3 && f[0].equals(soname)) {
                return Integer.parseInt(f[2]);
            }
        }
        throw new IllegalStateException("bridges.conf has no line for " + soname);
    }

    /** The driver functions the JCudaDriver native imports (what BridgeLoadTest lists too). */
    private static List<String> driverImports(Path work) throws IOException {
        Path nativeLib = work.resolve("libJCudaDriver.so");
        try (InputStream in = HostCuda.class.getClassLoader().getResourceAsStream(
                "lib/libJCudaDriver-" + jcuda.JCudaVersion.get() + "-linux-x86_64.so")) {
            if (in == null) {
                throw new IllegalStateException("the JCudaDriver native is not on the class path");
            }
            Files.copy(in, nativeLib, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        TreeSet<String> names = new TreeSet<>();
        for (String l : run(work, List.of("nm", "-D", "--undefined-only", nativeLib.toString())).split("\n")) {
            String s = l.trim().substring(l.trim().lastIndexOf(' ') + 1);
            if (s.startsWith("cu") && !s.contains("@")) {
                names.add(s);
            }
        }
        return new ArrayList<>(names);
    }

    /**
     * A weak definition per imported name, returning {@code status}: the implemented ones (strong definitions in the
     * stand-in's source) replace it at link time, so a function not implemented fails loudly instead of being a
     * missing symbol.
     */
    private static List<String> stubs(List<String> names, int status) {
        List<String> out = new ArrayList<>();
        out.add("// Generated by HostCuda.java: the imported functions the stand-in does not implement.");
        out.add("#include <cstdio>");
        out.add("static int hostcudaUnsupported(const char* name) {");
        out.add("    std::fprintf(stderr, \"hostcuda: %s is not implemented (status " + status + ")\\n\", name);");
        out.add("    std::fflush(stderr);");
        out.add("    return " + status + ";");
        out.add("}");
        for (String n : names) {
            out.add("extern \"C\" __attribute__((weak, visibility(\"default\"))) int " + n
                    + "() { return hostcudaUnsupported(\"" + n + "\"); }");
        }
        return out;
    }

    private static List<String> exports(Path work, Path lib) throws IOException {
        List<String> out = new ArrayList<>();
        for (String l : run(work, List.of("nm", "-D", "--defined-only", lib.toString())).split("\n")) {
            String t = l.trim();
            if (!t.isEmpty()) {
                out.add(t.substring(t.lastIndexOf(' ') + 1));
            }
        }
        return out;
    }

    private static Process start(Path dir, List<String> cmd) throws IOException {
        return new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    }

    private static String finish(Process p, List<String> cmd) throws IOException {
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(600, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("host-CUDA build step failed: " + String.join(" ", cmd) + "\n" + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + String.join(" ", cmd), e);
        }
        return out;
    }

    private static String run(Path dir, List<String> cmd) throws IOException {
        return finish(start(dir, cmd), cmd);
    }
}

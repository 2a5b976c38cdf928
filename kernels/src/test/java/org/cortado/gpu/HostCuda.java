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
    /** Where a CUDA 13 toolkit puts its libraries; LibrarySearch is pointed here and nowhere else. */
    private static final Path LIBS = ROOT.resolve("cuda-13.0/lib64");
    private static final String STAMP = ".built";
    /** Compiles like the emulated device: each float operation rounds on its own. */
    private static final List<String> CXX = List.of("g++", "-std=c++17", "-O1", "-ffp-contract=off", "-fPIC",
            "-shared", "-fvisibility=hidden", "-fvisibility-inlines-hidden", "-pthread", "-Wall", "-Wno-unused-function", "-Wno-unused-variable");
    private static Path installed;

    private HostCuda() {
    }

    /** A backend on the host-CUDA device, loading the stack from {@link #install()} first (once per JVM). */
    static GpuBackend open(ConvImpl conv, MathMode math) {
        Path libs = install();
        NativeStack stack = NativeStack.load(LibrarySearch.of(List.of(libs)));
        if (!stack.report().get(0).contains(libs.toString())) {
            throw new IllegalStateException("this JVM's native stack came from elsewhere, not " + libs + ":\n"
                    + String.join("\n", stack.report()));
        }
        return GpuBackend.open(0, conv, math);
    }

    /**
     * The folder of the stand-in libraries, built on first use and rebuilt when a source is newer; skips the test
     * where a tool or input is missing (g++, gcc, nm, cuda.h, the jar's PTX or bridges).
     */
    static synchronized Path install() {
        if (installed != null) {
            return installed;
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
        try {
            Path libs = LIBS.toAbsolutePath();
            if (!upToDate(libs.resolve(STAMP))) {
                build(libs, cudaH.get());
            }
            installed = libs;
            return libs;
        } catch (IOException e) {
            throw new IllegalStateException("cannot build the host-CUDA libraries into " + LIBS.toAbsolutePath(), e);
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

    /** Whether the stamp is newer than every input: the stand-in sources, emu.h and the kernel sources. */
    private static boolean upToDate(Path stamp) throws IOException {
        if (!Files.isRegularFile(stamp)) {
            return false;
        }
        FileTime built = Files.getLastModifiedTime(stamp);
        List<Path> inputs = new ArrayList<>();
        for (Path dir : List.of(SOURCES, EMU, Path.of("src/main/cuda"))) {
            try (Stream<Path> s = Files.list(dir)) {
                s.forEach(inputs::add);
            }
        }
        for (Path p : inputs) {
            if (Files.getLastModifiedTime(p).compareTo(built) >= 0) {
                return false;
            }
        }
        return true;
    }

    private static void build(Path libs, Path cudaInclude) throws IOException {
        Path work = ROOT.resolve("build").toAbsolutePath();
        Files.createDirectories(work);
        Files.createDirectories(libs);
        Files.deleteIfExists(libs.resolve(STAMP));
        EmulatedDevice.writeKernelIncludes(work);
        List<String> driverImports = driverImports(work);
        Files.write(work.resolve("driver_stubs.cpp"), stubs(driverImports));
        Path src = SOURCES.toAbsolutePath();
        String inc = "-I" + src;
        List<String> common = new ArrayList<>(CXX);
        common.addAll(List.of(inc, "-I" + EMU.toAbsolutePath(), "-I" + work, "-I" + cudaInclude));

        List<String> cuda = new ArrayList<>(common);
        cuda.addAll(List.of("-Wl,-soname,libcuda.so.1", "-o", libs.resolve("libcuda.so.1").toString(),
                src.resolve("driver.cpp").toString(), src.resolve("kernels.cpp").toString(),
                work.resolve("driver_stubs.cpp").toString()));
        run(work, cuda);
        List<String> exported = exports(work, libs.resolve("libcuda.so.1"));
        List<String> missing = new ArrayList<>(driverImports);
        missing.removeAll(exported);
        if (!missing.isEmpty()) {
            throw new IllegalStateException("the host-CUDA libcuda.so.1 lacks functions the JCudaDriver native imports: "
                    + missing);
        }

        run(work, List.of("gcc", "-shared", "-fPIC", "-O1", "-Wl,-soname,libcublasLt.so.13", "-o",
                libs.resolve("libcublasLt.so.13").toString(), src.resolve("cublasLt.c").toString()));
        for (String part : List.of("ops", "cnn")) {
            String soname = "libcudnn_" + part + ".so.9";
            run(work, List.of("gcc", "-shared", "-fPIC", "-O1", "-DHC_PART=" + part, "-Wl,-soname," + soname, "-o",
                    libs.resolve(soname).toString(), src.resolve("companion.c").toString()));
        }
        // Linked against the driver stand-in (its private hostcuda_* queue) and, for cuBLAS, its cublasLt.
        List<String> cublas = new ArrayList<>(common);
        cublas.addAll(List.of("-Wl,-soname,libcublas.so.13", "-o", libs.resolve("libcublas.so.13").toString(),
                src.resolve("cublas.cpp").toString(), "-L" + libs, "-l:libcuda.so.1", "-l:libcublasLt.so.13"));
        List<String> cudnn = new ArrayList<>(common);
        cudnn.addAll(List.of("-Wl,-soname,libcudnn.so.9", "-o", libs.resolve("libcudnn.so.9").toString(),
                src.resolve("cudnn.cpp").toString(), "-L" + libs, "-l:libcuda.so.1", "-ldl"));
        Process a = start(work, cublas);
        Process b = start(work, cudnn);
        finish(a, cublas);
        finish(b, cudnn);
        Files.writeString(libs.resolve(STAMP), "built from " + src + "\n");
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

    /** A weak definition per imported name: the implemented ones (strong, in driver.cpp) replace it at link time. */
    private static List<String> stubs(List<String> names) {
        List<String> out = new ArrayList<>();
        out.add("// Generated by HostCuda.java: every driver function the JCudaDriver native imports that driver.cpp");
        out.add("// does not implement fails loudly (CUDA_ERROR_NOT_SUPPORTED = 801) instead of a missing symbol.");
        out.add("#include <cstdio>");
        out.add("static int hostcudaUnsupported(const char* name) {");
        out.add("    std::fprintf(stderr, \"hostcuda: %s is not implemented (CUDA_ERROR_NOT_SUPPORTED)\\n\", name);");
        out.add("    std::fflush(stderr);");
        out.add("    return 801;");
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

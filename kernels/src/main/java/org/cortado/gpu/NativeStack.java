package org.cortado.gpu;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import jcuda.driver.JCudaDriver;
import jcuda.jcublas.JCublas2;
import jcuda.jcudnn.JCudnn;
import jcuda.nvrtc.JNvrtc;
import org.cortado.backend.BackendUnavailableException;
import org.cortado.util.NativeLibraries;

/**
 * Finds and loads the native GPU stack in the order that lets the JCuda natives link, with no environment variable:
 * the driver ({@code libcuda.so.1}), cuBLAS, and optionally cuDNN and NVRTC, each either under the soname the JCuda
 * natives were linked against (CUDA 12, cuDNN 8) or, when only another major version is installed, through a soname
 * bridge built by this module (see {@code bridge.c}).
 *
 * <p>The trick that avoids {@code LD_LIBRARY_PATH}: every library is {@code System.load}ed by absolute path before the
 * JCuda native that needs it, dependencies first. The dynamic loader satisfies a {@code DT_NEEDED} entry (and a
 * {@code dlopen} by name) from an already loaded object whose soname matches, so {@code libJCublas2} finds the
 * bridge named {@code libcublas.so.12}, and the bridge finds the {@code libcublas.so.13} loaded just before it.
 *
 * <p>Loading happens once per process; the outcome, failures included, is kept and reported in every message.
 */
final class NativeStack {
    /** Resource folder of the bridges and of bridges.conf. */
    static final String NATIVE_RESOURCES = "org/cortado/gpu/native/";
    private static final String PLATFORM = "linux-x86_64";
    /** Libraries the loader always finds and that are never ours to preload. */
    private static final List<String> SYSTEM_PREFIXES = List.of("libc.so", "libm.so", "libdl.so", "libpthread.so",
            "librt.so", "libstdc++.so", "libgcc_s.so", "ld-linux", "libz.so");

    /** A part of the stack: the soname the JCuda natives import, the majors that can stand in through a bridge. */
    private record Part(String label, String soname, List<String> bridgedFrom, boolean required, String whenMissing,
                        List<String> companionPrefixes) {
    }

    private static NativeStack loaded;
    private static BackendUnavailableException failure;
    private static final Set<String> loadedSonames = new HashSet<>();

    private final boolean cudnn;
    private final boolean nvrtc;
    private final List<String> report;

    private NativeStack(boolean cudnn, boolean nvrtc, List<String> report) {
        this.cudnn = cudnn;
        this.nvrtc = nvrtc;
        this.report = List.copyOf(report);
    }

    /** Whether JCudnn loaded (cuDNN convolutions are available). */
    boolean hasCudnn() {
        return cudnn;
    }

    /** Whether JNvrtc loaded (kernels can be compiled at run time). */
    boolean hasNvrtc() {
        return nvrtc;
    }

    /** One line per library: which file serves it, or why none does. */
    List<String> report() {
        return report;
    }

    /** Loads the stack from the system's usual places (once per process). */
    static NativeStack load() {
        return load(LibrarySearch.system());
    }

    /**
     * Loads the stack found by {@code search} (once per process: later calls return the first outcome).
     *
     * @throws BackendUnavailableException naming every library looked for, where, and why it failed
     */
    static synchronized NativeStack load(LibrarySearch search) {
        if (loaded != null) {
            return loaded;
        }
        if (failure != null) {
            throw failure;
        }
        try {
            loaded = doLoad(search);
            return loaded;
        } catch (BackendUnavailableException e) {
            failure = e;
            throw e;
        }
    }

    private static NativeStack doLoad(LibrarySearch search) {
        String arch = System.getProperty("os.arch");
        String os = System.getProperty("os.name");
        if (!os.startsWith("Linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            throw new BackendUnavailableException("no GPU backend for " + os + "/" + arch + ": the JCuda natives on"
                    + " Maven Central that it uses are built for Linux x86-64 here");
        }
        Map<String, List<String>> bridges = readBridgeConf();
        List<Part> parts = List.of(
                new Part("NVIDIA driver", "libcuda.so.1", List.of(), true, "", List.of()),
                new Part("cuBLAS", "libcublas.so.12", bridges.getOrDefault("libcublas.so.12", List.of()), true, "",
                        List.of()),
                new Part("cuDNN", "libcudnn.so.8", bridges.getOrDefault("libcudnn.so.8", List.of()), false,
                        "convolutions run as im2col + cuBLAS GEMM", List.of("libcudnn_")),
                new Part("NVRTC", "libnvrtc.so.12", bridges.getOrDefault("libnvrtc.so.12", List.of()), false,
                        "kernels come only from the PTX built into this jar", List.of("libnvrtc-builtins")));
        List<String> report = new ArrayList<>();
        boolean fatal = false;
        Map<String, Boolean> ok = new LinkedHashMap<>();
        for (Part part : parts) {
            if (fatal) {
                report.add(String.format("  %-13s not loaded after the failure above: %s", part.label(),
                        whereFound(part, search)));
                continue;
            }
            String outcome;
            boolean success;
            try {
                outcome = loadPart(part, search);
                success = true;
            } catch (PartFailure e) {
                outcome = e.getMessage();
                success = false;
            }
            ok.put(part.soname(), success);
            String tag = success ? "ok" : part.required() ? "FAILED" : "missing (optional: " + part.whenMissing() + ")";
            report.add(String.format("  %-13s %s: %s", part.label(), tag, outcome));
            fatal = !success && part.required();
        }
        if (!fatal) {
            fatal = !bindJava("JCuda driver API", () -> JCudaDriver.setExceptionsEnabled(true), report)
                    | !bindJava("JCublas2", () -> JCublas2.setExceptionsEnabled(true), report);
        }
        if (fatal) {
            String first = report.stream().filter(l -> l.contains("FAILED")).findFirst().orElse("").strip()
                    .replaceFirst("\\s+FAILED", "");
            throw new BackendUnavailableException("no usable GPU stack: " + first + "\n"
                    + String.join("\n", report) + "\n  searched: " + search.describe());
        }
        boolean cudnn = ok.getOrDefault("libcudnn.so.8", false)
                && bindJava("JCudnn", () -> JCudnn.setExceptionsEnabled(true), report);
        boolean nvrtc = ok.getOrDefault("libnvrtc.so.12", false)
                && bindJava("JNvrtc", () -> JNvrtc.setExceptionsEnabled(true), report);
        return new NativeStack(cudnn, nvrtc, report);
    }

    /** Loads a JCuda class (whose static initialiser loads its native); false, with a report line, if that fails. */
    private static boolean bindJava(String what, Runnable init, List<String> report) {
        try {
            init.run();
            return true;
        } catch (LinkageError | RuntimeException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            report.add(String.format("  %-13s FAILED: its native did not load: %s", what,
                    firstLine(cause.toString())));
            return false;
        }
    }

    private static final class PartFailure extends Exception {
        PartFailure(String message) {
            super(message);
        }
    }

    /** Where a part would come from, without loading anything (for the message once loading has failed). */
    private static String whereFound(Part part, LibrarySearch search) {
        List<String> names = new ArrayList<>();
        names.add(part.soname());
        names.addAll(part.bridgedFrom());
        for (String n : names) {
            Optional<Path> p = search.find(n);
            if (p.isPresent()) {
                return n + " at " + p.get();
            }
        }
        return String.join(", ", names) + " not found";
    }

    /** Loads one part; returns what served it, or throws PartFailure saying what was looked for. */
    private static String loadPart(Part part, LibrarySearch search) throws PartFailure {
        Optional<Path> direct = search.find(part.soname());
        if (direct.isPresent()) {
            loadLibrary(direct.get(), search, part.companionPrefixes());
            return part.soname() + " at " + direct.get();
        }
        List<String> tried = new ArrayList<>();
        tried.add(part.soname() + " not found");
        for (String target : part.bridgedFrom()) {
            Optional<Path> real = search.find(target);
            if (real.isEmpty()) {
                tried.add(target + " not found");
                continue;
            }
            Path bridge = extractBridge(part.soname());
            loadLibrary(real.get(), search, part.companionPrefixes());
            loadLibrary(bridge, search, List.of());
            return target + " at " + real.get() + ", through the bridge " + part.soname();
        }
        throw new PartFailure(String.join("; ", tried));
    }

    /** System.loads {@code lib} after the dependencies that sit beside it and that the loader would not find. */
    private static void loadLibrary(Path lib, LibrarySearch search, List<String> companionPrefixes) throws PartFailure {
        Path abs = lib.toAbsolutePath();
        ElfInfo info;
        try {
            info = ElfInfo.read(abs);
        } catch (IOException e) {
            throw new PartFailure("cannot read " + abs + ": " + e.getMessage());
        }
        String soname = info.soname() != null ? info.soname() : abs.getFileName().toString();
        if (loadedSonames.contains(soname)) {
            return;
        }
        for (String needed : info.needed()) {
            if (isSystem(needed) || loadedSonames.contains(needed) || search.loaderFinds(needed)) {
                continue;
            }
            Path sibling = abs.getParent().resolve(needed);
            Optional<Path> dep = Files.isRegularFile(sibling) ? Optional.of(sibling) : search.find(needed);
            if (dep.isPresent()) {
                loadLibrary(dep.get(), search, List.of());
            }
        }
        try {
            System.load(abs.toString());
        } catch (UnsatisfiedLinkError e) {
            throw new PartFailure(abs + " did not load: " + firstLine(e.getMessage()));
        }
        loadedSonames.add(soname);
        // Libraries that this one dlopens by name later (cuDNN 9's sub-libraries, NVRTC's builtins): preloaded from
        // its folder when the loader would not find them there by itself.
        for (String prefix : companionPrefixes) {
            for (Path companion : companions(abs.getParent(), prefix, soname)) {
                String name = companion.getFileName().toString();
                if (!search.loaderFinds(name) && !loadedSonames.contains(name)) {
                    loadLibrary(companion, search, List.of());
                }
            }
        }
    }

    /** Files {@code prefix*.so.<major of soname>[.x]} in {@code dir}, real files only (not the dev symlinks). */
    private static List<Path> companions(Path dir, String prefix, String soname) {
        String major = soname.substring(soname.lastIndexOf(".so.") + 4);
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, prefix + "*.so." + major + "*")) {
            for (Path p : s) {
                String n = p.getFileName().toString();
                // One file per soname: the name that is the soname itself (libcudnn_cnn.so.9), or for NVRTC's
                // builtins the versioned file (libnvrtc-builtins.so.13.0).
                if (Files.isRegularFile(p) && (n.endsWith(".so." + major) || !Files.isSymbolicLink(p))) {
                    out.add(p);
                }
            }
        } catch (IOException e) {
            return List.of();
        }
        out.sort(null);
        return out;
    }

    private static boolean isSystem(String soname) {
        for (String p : SYSTEM_PREFIXES) {
            if (soname.startsWith(p)) {
                return true;
            }
        }
        return false;
    }

    /** Copies the bridge for {@code soname} out of the jar into a private folder of this process. */
    private static Path extractBridge(String soname) throws PartFailure {
        String resource = NATIVE_RESOURCES + PLATFORM + "/" + soname;
        try {
            Path file = NativeLibraries.extract(NativeStack.class.getClassLoader(), resource);
            if (file == null) {
                throw new PartFailure("this cortado-kernels jar has no bridge " + resource
                        + " (it was built without gcc); install the CUDA 12 / cuDNN 8 library or rebuild with gcc");
            }
            return file;
        } catch (IOException e) {
            throw new PartFailure("cannot extract the bridge " + resource + ": " + e.getMessage());
        }
    }

    /** bridges.conf from the jar: bridge soname -> the sonames it can forward to, in order. */
    static Map<String, List<String>> readBridgeConf() {
        Map<String, List<String>> out = new LinkedHashMap<>();
        String resource = NATIVE_RESOURCES + "bridges.conf";
        InputStream in = NativeStack.class.getClassLoader().getResourceAsStream(resource);
        if (in == null) {
            return out;
        }
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                String[] f = line.trim().split("\\s+");
                if (f.length >= 2 && !f[0].startsWith("#")) {
                    out.put(f[0], List.of(f[1].split(",")));
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + resource + " from the cortado-kernels jar", e);
        }
        return out;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "(no message)";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}

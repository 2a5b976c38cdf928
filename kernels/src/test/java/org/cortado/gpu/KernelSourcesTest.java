package org.cortado.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The kernel sources against what the build made of them: every {@code .cu} compiled to PTX by this build's nvcc
 * (skipped where the build had none), every kernel the Java side launches an entry of its module, every module
 * carried as source for NVRTC, and no kernel written but never launched. The PTX is assembled by ptxas for the GPU
 * generations it is JIT-compiled for (what the driver does at load time, here without a GPU), and the emulator's own
 * test kernels ({@code src/test/cuda}) compile with nvcc as well as g++.
 */
class KernelSourcesTest {
    private static final Path SOURCES = Path.of("src/main/cuda");
    private static final Pattern GLOBAL = Pattern.compile("extern \"C\" __global__ void (\\w+)\\(");
    private static final Pattern ENTRY = Pattern.compile("\\.visible \\.entry (\\w+)\\(");

    private static Set<String> modules() throws IOException {
        try (Stream<Path> s = Files.list(SOURCES)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".cu"))
                    .map(n -> n.substring(0, n.length() - 3)).collect(Collectors.toCollection(TreeSet::new));
        }
    }

    /** Turing, Ampere (A100, RTX 30), Ada, Hopper (H100, H200), Blackwell (B200, RTX 50). */
    private static final int[] ARCHITECTURES = {75, 80, 86, 89, 90, 100, 120};
    private static final Pattern SPILL = Pattern.compile("(\\d+) bytes spill stores, (\\d+) bytes spill loads");

    private static boolean nvccHere() {
        return tool("nvcc") != null;
    }

    /** A CUDA tool on PATH or in /usr/local/cuda/bin, or null. */
    private static Path tool(String name) {
        return Stream.concat(Arrays.stream(System.getenv().getOrDefault("PATH", "").split(":")).map(Path::of),
                Stream.of(Path.of("/usr/local/cuda/bin"))).map(d -> d.resolve(name)).filter(Files::isExecutable)
                .findFirst().orElse(null);
    }

    /** Runs a command; its output, after asserting it exited 0. */
    private static String run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), String.join(" ", command) + " did not finish");
        assertEquals(0, p.exitValue(), String.join(" ", command) + " failed:\n" + out);
        return out;
    }

    @Test
    void everyModulesPtxAssemblesForEveryGpuGenerationWithoutSpilling() throws Exception {
        Path ptxas = tool("ptxas");
        Assumptions.assumeTrue(nvccHere() && ptxas != null, "no nvcc and ptxas on PATH or in /usr/local/cuda/bin");
        // An older toolkit than the build machine's (13.0) may not know the newest generations: those it lists.
        String known = run(List.of(tool("nvcc").toString(), "--list-gpu-arch"));
        List<Integer> architectures = Arrays.stream(ARCHITECTURES).filter(a -> known.contains("compute_" + a + "\n"))
                .boxed().collect(Collectors.toList());
        assertTrue(architectures.contains(75), "nvcc does not list compute_75:\n" + known);
        Path dir = Files.createTempDirectory("cortado-ptxas-");
        try {
            for (String m : modules()) {
                Path ptx = dir.resolve(m + ".ptx");
                Files.writeString(ptx, KernelModules.resource(KernelModules.PTX_RESOURCES + m + ".ptx"));
                for (int arch : architectures) {
                    String log = run(List.of(ptxas.toString(), "-arch=sm_" + arch, "-v", ptx.toString(), "-o",
                            dir.resolve(m + ".cubin").toString()));
                    Matcher spill = SPILL.matcher(log);
                    while (spill.find()) {
                        assertTrue(spill.group(1).equals("0") && spill.group(2).equals("0"),
                                m + ".ptx spills registers to local memory on sm_" + arch + ":\n" + log);
                    }
                }
            }
        } finally {
            try (Stream<Path> s = Files.list(dir)) {
                for (Path p : s.collect(Collectors.toList())) {
                    Files.delete(p);
                }
            }
            Files.delete(dir);
        }
    }

    @Test
    void theEmulatorsTestKernelsAreCuda() throws Exception {
        Path nvcc = tool("nvcc");
        Assumptions.assumeTrue(nvcc != null, "no nvcc on PATH or in /usr/local/cuda/bin");
        try (Stream<Path> s = Files.list(Path.of("src/test/cuda"))) {
            for (Path cu : s.filter(p -> p.toString().endsWith(".cu")).sorted().collect(Collectors.toList())) {
                Path ptx = Files.createTempFile("cortado-test-kernels-", ".ptx");
                try {
                    run(List.of(nvcc.toString(), "-ptx", "-arch=compute_75", "-o", ptx.toString(), cu.toString()));
                    assertEquals(names(GLOBAL, Files.readString(cu)), names(ENTRY, Files.readString(ptx)),
                            cu + ": PTX entries");
                } finally {
                    Files.deleteIfExists(ptx);
                }
            }
        }
    }

    @Test
    void everyCuFileWasCompiledToPtxWithAllItsKernels() throws IOException {
        Assumptions.assumeTrue(nvccHere(), "no nvcc on PATH or in /usr/local/cuda/bin: the build made no PTX");
        for (String m : modules()) {
            String ptx = KernelModules.resource(KernelModules.PTX_RESOURCES + m + ".ptx");
            assertNotNull(ptx, m + ".cu has no PTX in the build output");
            assertTrue(ptx.contains(".target sm_75"), m + ".ptx is not built for compute_75");
            assertEquals(names(GLOBAL, Files.readString(SOURCES.resolve(m + ".cu"))), names(ENTRY, ptx),
                    m + ".ptx entries differ from the kernels of " + m + ".cu");
        }
    }

    @Test
    void javaLaunchesOnlyKernelsThatExistAndEveryKernelIsLaunched() throws IOException {
        Set<String> declared = new TreeSet<>();
        for (String m : modules()) {
            Set<String> inFile = names(GLOBAL, Files.readString(SOURCES.resolve(m + ".cu")));
            declared.addAll(inFile);
            assertNotNull(KernelModules.resource(KernelModules.CUDA_RESOURCES + m + ".cu"),
                    m + ".cu is not in the jar for NVRTC");
        }
        Set<String> launched = new TreeSet<>();
        for (Kernel k : Kernel.values()) {
            assertTrue(modules().contains(k.module), k + ": no module " + k.module + ".cu");
            assertTrue(names(GLOBAL, Files.readString(SOURCES.resolve(k.module + ".cu"))).contains(k.function),
                    k + ": " + k.function + " is not a kernel of " + k.module + ".cu");
            launched.add(k.function);
        }
        assertEquals(declared, launched, "kernels declared in src/main/cuda vs enum Kernel");
    }

    private static Set<String> names(Pattern p, String text) {
        Set<String> out = new TreeSet<>();
        Matcher m = p.matcher(text);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }
}

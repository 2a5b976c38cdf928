package org.cortado.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The kernel sources against what the build made of them: every {@code .cu} compiled to PTX by this build's nvcc
 * (skipped where the build had none), every kernel the Java side launches an entry of its module, every module
 * carried as source for NVRTC, and no kernel written but never launched.
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

    private static boolean nvccHere() {
        return Stream.concat(Arrays.stream(System.getenv().getOrDefault("PATH", "").split(":")).map(Path::of),
                Stream.of(Path.of("/usr/local/cuda/bin"))).anyMatch(d -> Files.isExecutable(d.resolve("nvcc")));
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

package org.cortado.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole loading chain on a machine without a GPU: a folder laid out as a CUDA 13 / cuDNN 9 install, whose
 * libraries are stand-ins built here with gcc (each function returns a number of its own, so a call shows where it
 * landed), is handed to {@link NativeStack}; a separate JVM ({@link BridgeProbe}) loads it and calls through the real
 * JCuda natives from Maven Central. This checks what no unit test of the parts can: that the loader accepts the
 * bridges' soname and version nodes for those natives, that preloading by absolute path satisfies their DT_NEEDED
 * with no LD_LIBRARY_PATH, that each bridge forwards to the library Java loaded (its dependency libcublasLt and cuDNN's
 * sub-library preloaded first), that a function missing from the target says so and returns NOT_SUPPORTED, that the
 * JCudnn alias loads, and what {@code --device gpu} and {@code auto} say when the driver reports no device.
 * The real libraries cannot be used: they exist only where a GPU stack is installed.
 */
class BridgeLoadTest {
    /** A stand-in function returns BASE + its index in the bridge's symbol list. */
    private static final int BASE = 7000;
    /** CUDA_ERROR_NO_DEVICE, which the stand-in cuInit returns, as a driver does on a machine without a GPU. */
    private static final int NO_DEVICE = 100;

    @TempDir
    Path tmp;

    private static List<String> symbols(String soname) throws IOException {
        List<String> out = new ArrayList<>();
        for (String l : Files.readAllLines(Path.of("src/main/bridge", soname + ".symbols"))) {
            if (!l.isBlank() && !l.startsWith("#")) {
                out.add(l.trim());
            }
        }
        return out;
    }

    private static String run(Path dir, String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), String.join(" ", cmd) + " did not finish");
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + ":\n" + out);
        return out;
    }

    /** Builds lib {@code soname} in {@code dir} defining {@code names}, the i-th returning {@code value(i)}. */
    private void fake(Path dir, String soname, List<String> names, java.util.function.IntUnaryOperator value,
                      String... linkArgs) throws Exception {
        StringBuilder c = new StringBuilder();
        for (int i = 0; i < names.size(); i++) {
            c.append("long ").append(names.get(i)).append("(void) { return ").append(value.applyAsInt(i)).append("; }\n");
        }
        Path src = tmp.resolve(soname + ".c");
        Files.writeString(src, c.length() == 0 ? "int cortado_fake_empty;\n" : c.toString());
        List<String> cmd = new ArrayList<>(List.of("gcc", "-shared", "-fPIC", "-o", dir.resolve(soname).toString(),
                "-Wl,-soname," + soname, src.toString()));
        cmd.addAll(List.of(linkArgs));
        run(tmp, cmd.toArray(new String[0]));
    }

    @Test
    void jcudaNativesLoadThroughTheBridgesWithoutLibraryPath() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/gcc")), "no gcc: cannot build stand-in libraries");
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/nm")), "no nm: cannot list the driver's functions");
        Assumptions.assumeTrue(getClass().getClassLoader().getResource(
                NativeStack.NATIVE_RESOURCES + "linux-x86_64/libcublas.so.12") != null, "the build made no bridges");
        Path cuda = Files.createDirectories(tmp.resolve("cuda-13.0/lib64"));

        // The driver: every function the JCudaDriver native imports, cuInit reporting no device.
        Path driverNative = tmp.resolve("driver.so");
        try (var in = getClass().getClassLoader().getResourceAsStream(
                "lib/libJCudaDriver-" + jcuda.JCudaVersion.get() + "-linux-x86_64.so")) {
            Files.copy(in, driverNative);
        }
        List<String> cu = new ArrayList<>();
        for (String l : run(tmp, "nm", "-D", "--undefined-only", driverNative.toString()).split("\n")) {
            String s = l.trim().substring(l.trim().lastIndexOf(' ') + 1);
            if (s.startsWith("cu") && !s.contains("@")) {
                cu.add(s);
            }
        }
        fake(cuda, "libcuda.so.1", cu, i -> cu.get(i).equals("cuInit") ? NO_DEVICE : 0);

        List<String> cublas = symbols("libcublas.so.12");
        fake(cuda, "libcublasLt.so.13", List.of("cublasLtCreate"), i -> 0);
        List<String> cublasPresent = new ArrayList<>(cublas);
        cublasPresent.remove("cublasSetMathMode");
        fake(cuda, "libcublas.so.13", cublasPresent, i -> BASE + cublas.indexOf(cublasPresent.get(i)),
                "-Wl,--no-as-needed", "-L" + cuda, "-l:libcublasLt.so.13");
        List<String> cudnn = symbols("libcudnn.so.8");
        fake(cuda, "libcudnn.so.9", cudnn, i -> BASE + i);
        fake(cuda, "libcudnn_ops.so.9", List.of(), i -> 0);
        List<String> nvrtc = symbols("libnvrtc.so.12");
        fake(cuda, "libnvrtc.so.13", nvrtc, i -> BASE + i);

        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                "-Djava.io.tmpdir=" + Files.createDirectories(tmp.resolve("jtmp")),
                BridgeProbe.class.getName(), cuda.toString()).redirectError(tmp.resolve("stderr").toFile()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "probe did not finish");
        String err = Files.readString(tmp.resolve("stderr"));
        assertEquals(0, p.exitValue(), "probe failed:\n" + out + "\n" + err);

        Map<String, List<String>> got = new TreeMap<>();
        for (String l : out.split("\n")) {
            int eq = l.indexOf('=');
            if (eq > 0) {
                got.computeIfAbsent(l.substring(0, eq), k -> new ArrayList<>()).add(l.substring(eq + 1));
            }
        }
        String all = out + "\n" + err;
        List<String> report = got.get("report");
        assertTrue(report.get(0).contains("libcuda.so.1 at " + cuda.resolve("libcuda.so.1")), all);
        assertTrue(report.get(1).contains("libcublas.so.13 at " + cuda.resolve("libcublas.so.13")
                + ", through the bridge libcublas.so.12"), all);
        assertTrue(report.get(2).contains("libcudnn.so.9 at " + cuda.resolve("libcudnn.so.9")
                + ", through the bridge libcudnn.so.8"), all);
        assertTrue(report.get(3).contains("libnvrtc.so.13 at " + cuda.resolve("libnvrtc.so.13")
                + ", through the bridge libnvrtc.so.12"), all);
        assertEquals(List.of("true"), got.get("cudnn"), all);
        assertEquals(List.of("true"), got.get("nvrtc"), all);
        // Calls land in the stand-ins, through the bridges.
        assertEquals(List.of(String.valueOf(BASE + cublas.indexOf("cublasCreate_v2"))), got.get("cublasCreate"), all);
        assertEquals(List.of(String.valueOf(BASE + cudnn.indexOf("cudnnGetVersion"))), got.get("cudnnGetVersion"), all);
        assertEquals(List.of(String.valueOf(BASE + nvrtc.indexOf("nvrtcVersion"))), got.get("nvrtcVersion"), all);
        // A function the installed library lacks: CUBLAS_STATUS_NOT_SUPPORTED, and a line naming it.
        assertEquals(List.of("15"), got.get("cublasSetMathMode"), all);
        assertTrue(err.contains("cublasSetMathMode (bridge libcublas.so.12) is not in libcublas.so.13"), err);
        // Dependencies and companions were loaded from the folder, by absolute path.
        List<String> mapped = got.get("mapped");
        for (String lib : List.of("libcublasLt.so.13", "libcudnn_ops.so.9", "libcuda.so.1")) {
            assertTrue(mapped.contains(cuda.resolve(lib).toString()), lib + " not mapped:\n" + mapped);
        }
        // --device gpu: one message; auto: the CPU, said in one line.
        String gpuError = got.get("gpu-error").get(0);
        assertTrue(gpuError.contains("CUDA_ERROR_NO_DEVICE") && gpuError.contains("through the bridge"), gpuError);
        assertTrue(got.get("auto").get(0).startsWith("cpu"), all);
        assertTrue(got.get("auto-notice").get(0).contains("running on the CPU"), all);
    }
}

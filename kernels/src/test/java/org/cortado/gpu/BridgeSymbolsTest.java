package org.cortado.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import jcuda.JCudaVersion;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The soname bridges against the JCuda natives on the class path, with binutils ({@code nm}, {@code readelf}):
 * the committed symbol lists are exactly what the natives import under each bridge's version node; each built bridge
 * carries that soname and exports every listed symbol under that version node; and every other symbol the natives
 * import comes from the C/C++ runtime, a bridge, or the driver.
 */
class BridgeSymbolsTest {
    private static final Path BRIDGE_SRC = Path.of("src/main/bridge");
    /** The JCuda natives the GPU backend loads, as resources of their jars. */
    private static final List<String> NATIVES = List.of("lib/libJCudaDriver-%s-linux-x86_64.so",
            "lib/libJCublas2-%s-linux-x86_64.so", "lib/libJCudnn-%s-linux-x86_64.so", "lib/libJNvrtc-%s-linux-x86_64.so");
    /** Version nodes of the C and C++ runtimes, present on every Linux the natives run on. */
    private static final List<String> SYSTEM_VERSIONS = List.of("GLIBC_", "GLIBCXX_", "CXXABI_", "GCC_");
    private static final Set<String> SYSTEM_LIBS = Set.of("libc.so.6", "libm.so.6", "libdl.so.2", "libpthread.so.0",
            "librt.so.1", "libstdc++.so.6", "libgcc_s.so.1", "ld-linux-x86-64.so.2");

    @TempDir
    Path tmp;

    private static boolean binutils() {
        return Files.isExecutable(Path.of("/usr/bin/nm")) && Files.isExecutable(Path.of("/usr/bin/readelf"));
    }

    private static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), String.join(" ", cmd) + " did not finish");
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + ":\n" + out);
        return out;
    }

    private Path extract(String resource) throws IOException {
        try (InputStream in = getClass().getClassLoader().getResourceAsStream(resource)) {
            assertNotNull(in, resource + " is not on the class path");
            Path f = tmp.resolve(resource.substring(resource.lastIndexOf('/') + 1));
            Files.copy(in, f);
            return f;
        }
    }

    private static Set<String> committedList(String soname) throws IOException {
        Set<String> out = new TreeSet<>();
        for (String l : Files.readAllLines(BRIDGE_SRC.resolve(soname + ".symbols"))) {
            if (!l.isBlank() && !l.startsWith("#")) {
                out.add(l.trim());
            }
        }
        return out;
    }

    private static String jcudnnVersion() throws IOException {
        String pom = Files.readString(Path.of("../pom.xml"));
        int s = pom.indexOf("<jcudnn.version>") + "<jcudnn.version>".length();
        return pom.substring(s, pom.indexOf('<', s));
    }

    @Test
    void listsMatchWhatTheNativesImport() throws Exception {
        Assumptions.assumeTrue(binutils(), "no nm/readelf in /usr/bin");
        String jcuda = JCudaVersion.get();
        String jcudnn = jcudnnVersion();
        for (String line : Files.readAllLines(BRIDGE_SRC.resolve("bridges.conf"))) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 4 || f[0].startsWith("#")) {
                continue;
            }
            String soname = f[0];
            Set<String> imported = new TreeSet<>();
            for (String res : f[3].split(",")) {
                Path lib = extract(res.replace("@JCUDA@", jcuda).replace("@JCUDNN@", jcudnn));
                for (String l : run("nm", "-D", "--undefined-only", "--with-symbol-versions", lib.toString()).split("\n")) {
                    String sym = l.trim().substring(l.trim().lastIndexOf(' ') + 1);
                    if (sym.endsWith("@" + soname)) {
                        imported.add(sym.substring(0, sym.length() - soname.length() - 1));
                    }
                }
            }
            assertEquals(imported, committedList(soname), soname + ".symbols no longer matches the natives' imports:"
                    + " run kernels/src/main/bridge/list-symbols.sh");
        }
    }

    @Test
    void bridgesCarryTheSonameAndExportEveryListedSymbolUnderItsVersionNode() throws Exception {
        Assumptions.assumeTrue(binutils(), "no nm/readelf in /usr/bin");
        Map<String, List<String>> conf = NativeStack.readBridgeConf();
        assertEquals(Set.of("libcublas.so.12", "libcudnn.so.8", "libnvrtc.so.12"), conf.keySet());
        for (String soname : conf.keySet()) {
            String res = NativeStack.NATIVE_RESOURCES + "linux-x86_64/" + soname;
            Assumptions.assumeTrue(getClass().getClassLoader().getResource(res) != null,
                    "the build made no bridges (no gcc or not x86-64)");
            Path bridge = extract(res);
            String dynamic = run("readelf", "-d", bridge.toString());
            assertTrue(dynamic.contains("Library soname: [" + soname + "]"), soname + ":\n" + dynamic);
            for (String l : dynamic.split("\n")) {
                if (l.contains("(NEEDED)")) {
                    String needed = l.substring(l.indexOf('[') + 1, l.indexOf(']'));
                    assertTrue(SYSTEM_LIBS.contains(needed), soname + " needs " + needed);
                }
            }
            Set<String> exported = new TreeSet<>();
            for (String l : run("nm", "-D", "--defined-only", "--with-symbol-versions", bridge.toString()).split("\n")) {
                String sym = l.trim().substring(l.trim().lastIndexOf(' ') + 1);
                if (sym.endsWith("@@" + soname)) {
                    exported.add(sym.substring(0, sym.length() - soname.length() - 2));
                }
            }
            assertEquals(committedList(soname), exported, soname + " exports under version node " + soname);
            assertEquals(ElfInfo.read(bridge).soname(), soname);
        }
    }

    @Test
    void bridgesAreBuiltHardened() throws Exception {
        Assumptions.assumeTrue(binutils(), "no nm/readelf in /usr/bin");
        for (String soname : NativeStack.readBridgeConf().keySet()) {
            String res = NativeStack.NATIVE_RESOURCES + "linux-x86_64/" + soname;
            Assumptions.assumeTrue(getClass().getClassLoader().getResource(res) != null,
                    "the build made no bridges (no gcc or not x86-64)");
            Path bridge = extract(res);
            // Full RELRO (-z relro -z now) and glibc's checked calls (-D_FORTIFY_SOURCE=2: the bridge's fprintf).
            assertTrue(run("readelf", "-d", bridge.toString()).contains("BIND_NOW"), soname + ": no BIND_NOW");
            assertTrue(run("readelf", "-lW", bridge.toString()).contains("GNU_RELRO"), soname + ": no GNU_RELRO");
            assertTrue(run("nm", "-D", "--undefined-only", bridge.toString()).contains("__fprintf_chk"),
                    soname + ": no fortified calls");
        }
    }

    @Test
    void everyOtherImportOfTheNativesIsSatisfiedByTheRuntimeBridgesOrDriver() throws Exception {
        Assumptions.assumeTrue(binutils(), "no nm/readelf in /usr/bin");
        String jcuda = JCudaVersion.get();
        Set<String> bridges = NativeStack.readBridgeConf().keySet();
        List<String> problems = new ArrayList<>();
        for (String pattern : NATIVES) {
            // JCudnn's native comes under JCuda's version: the alias the build makes (see native.sh).
            Path lib = extract(String.format(pattern, jcuda));
            for (String needed : ElfInfo.read(lib).needed()) {
                if (!SYSTEM_LIBS.contains(needed) && !bridges.contains(needed) && !needed.equals("libcuda.so.1")) {
                    problems.add(lib.getFileName() + " needs " + needed);
                }
            }
            for (String l : run("nm", "-D", "--undefined-only", "--with-symbol-versions", lib.toString()).split("\n")) {
                String[] f = l.trim().split("\\s+");
                String sym = f[f.length - 1];
                int at = sym.indexOf('@');
                if (f[0].equals("w")) {
                    continue;
                }
                if (at < 0) {
                    if (!(lib.toString().contains("JCudaDriver") && sym.startsWith("cu"))) {
                        problems.add(lib.getFileName() + " imports unversioned " + sym);
                    }
                    continue;
                }
                String version = sym.substring(at + 1);
                boolean ok = bridges.contains(version)
                        ? committedList(version).contains(sym.substring(0, at))
                        : SYSTEM_VERSIONS.stream().anyMatch(version::startsWith);
                if (!ok) {
                    problems.add(lib.getFileName() + " imports " + sym);
                }
            }
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void jcudnnNativeIsOfferedUnderTheNameJcudnnAsksFor() throws Exception {
        String jcuda = JCudaVersion.get();
        String jcudnn = jcudnnVersion();
        Assumptions.assumeFalse(jcuda.equals(jcudnn), "JCuda and JCudnn versions agree: no alias needed");
        byte[] alias = Files.readAllBytes(extract("lib/libJCudnn-" + jcuda + "-linux-x86_64.so"));
        byte[] original = Files.readAllBytes(extract("lib/libJCudnn-" + jcudnn + "-linux-x86_64.so"));
        assertTrue(java.util.Arrays.equals(alias, original), "the alias is not JCudnn " + jcudnn + "'s native");
    }
}

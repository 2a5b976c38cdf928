package org.cortado.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The JVM options {@code ./cortado} chooses (src/build/jvm-options.sh), computed by bash as the launcher does. */
class JvmOptionsTest {
    private static final List<String> SERIAL = List.of("-XX:+UseSerialGC", "-Xmn16m");

    @TempDir
    Path checkout;

    /** The options for checkout {@link #checkout} on JDK 17, with SIMD {@code simd}, user options and command line. */
    private List<String> options(String simd, String user, String... args) throws IOException, InterruptedException {
        return optionsOn("17", simd, user, args);
    }

    /** As above, on a JDK of feature version {@code major} (empty: not known). */
    private List<String> optionsOn(String major, String simd, String user, String... args)
            throws IOException, InterruptedException {
        List<String> all = new ArrayList<>(List.of(checkout.toString(), simd, major, user));
        all.addAll(List.of(args));
        return bash("jvm_options \"$@\"; printf '%s\\n' \"${JVM_OPTIONS[@]}\"", all.toArray(String[]::new));
    }

    /** The lines that {@code script} prints, run by bash after sourcing jvm-options.sh, with the arguments given. */
    private static List<String> bash(String script, String... args) throws IOException, InterruptedException {
        Path options = Path.of(System.getProperty("cortado.root", "..")).toAbsolutePath().normalize()
                .resolve("src/build/jvm-options.sh");
        List<String> command = new ArrayList<>(List.of("bash", "-c", "source \"$0\"; " + script,
                options.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return out.lines().filter(l -> !l.isEmpty()).toList();
    }

    @Test
    void oneShotCommandsGetTheSerialCollectorWithASmallYoungGeneration() throws Exception {
        for (String command : List.of("forward", "classify", "inspect", "weights", "report", "help")) {
            assertEquals(SERIAL, options("true", "", command, "--model", "x.prototxt"), command);
        }
        assertEquals(SERIAL, options("true", "", "--verbose", "forward", "--input", "x.npy"), "--verbose first");
        assertEquals(SERIAL, options("true", "", "--version"), "no subcommand");
        assertEquals(SERIAL, options("false", "-Xmx2g", "forward"), "the plain-Java kernels too");
    }

    @Test
    void longRunsKeepTheJvmsDefaultCollector() throws Exception {
        for (String command : List.of("finetune", "transfer", "codes", "probe", "advise", "train-head",
                "convert-imageset")) {
            assertEquals(List.of(), options("true", "", command, "--model", "forward"), command);
        }
    }

    @Test
    void aCollectorTheUserNamesIsNotContradicted() throws Exception {
        // The JVM refuses to start with two collectors; any other user option follows the launcher's and wins.
        for (String user : List.of("-XX:+UseG1GC", "-Xmx1g -XX:+UseParallelGC", "-XX:+UseZGC -Xss2m")) {
            assertEquals(List.of(), options("true", user, "forward"), user);
        }
        assertEquals(SERIAL, options("true", "-XX:+UseGCOverheadLimit -Xmn64m", "forward"));
    }

    @Test
    void theClassDataArchiveIsNamedWhenItExistsAndTheVectorApiIsOn() throws Exception {
        assertEquals(List.of(), options("true", "", "finetune"), "no archive built");
        Path archive = Files.createDirectories(checkout.resolve("src/target")).resolve("cortado.jsa");
        Files.writeString(archive, "not an archive");
        List<String> cds = List.of("-XX:SharedArchiveFile=" + archive, "-Xlog:cds=off", "-Xlog:cds+dynamic=off");
        assertEquals(cds, options("true", "", "finetune"));
        List<String> both = new ArrayList<>(cds);
        both.addAll(SERIAL);
        assertEquals(both, options("true", "", "forward"));
        // It was made with the Vector API module, so a run without it could not use it.
        assertEquals(SERIAL, options("false", "", "forward"));
    }

    @Test
    void jdk24AndLaterGetTheAheadOfTimeCacheAndNoUnsafeWarning() throws Exception {
        Path target = Files.createDirectories(checkout.resolve("src/target"));
        Files.writeString(target.resolve("cortado.jsa"), "not an archive");
        List<String> unsafe = List.of("--sun-misc-unsafe-memory-access=allow");
        assertEquals(unsafe, optionsOn("25", "true", "", "finetune"), "no cache built: the .jsa is JDK 17's");
        Path cache = Files.writeString(target.resolve("cortado.aot"), "not a cache");
        List<String> aot = List.of("--sun-misc-unsafe-memory-access=allow", "-XX:AOTCache=" + cache, "-Xlog:aot=off",
                "-Xlog:cds=off");
        assertEquals(aot, optionsOn("25", "true", "", "finetune"));
        assertEquals(aot, optionsOn("24", "true", "", "codes"));
        List<String> withSerial = new ArrayList<>(aot);
        withSerial.addAll(SERIAL);
        assertEquals(withSerial, optionsOn("25", "true", "", "forward"));
        // Made with the Vector API module, as the .jsa is.
        List<String> plain = new ArrayList<>(unsafe);
        plain.addAll(SERIAL);
        assertEquals(plain, optionsOn("25", "false", "", "forward"));
        // JDK 17 and a JDK of unknown version keep the .jsa and know no such option.
        List<String> jsa = List.of("-XX:SharedArchiveFile=" + target.resolve("cortado.jsa"), "-Xlog:cds=off",
                "-Xlog:cds+dynamic=off");
        assertEquals(jsa, optionsOn("17", "true", "", "finetune"));
        assertEquals(jsa, optionsOn("", "true", "", "finetune"));
    }

    @Test
    void theJdksVersionIsReadFromItsReleaseFile() throws Exception {
        for (String[] c : new String[][] {{"25.0.3", "25"}, {"17.0.15", "17"}, {"1.8.0_402", "8"}, {"24", "24"}}) {
            Path home = Files.createDirectories(checkout.resolve("jdk-" + c[0]));
            Path java = Files.createDirectories(home.resolve("bin")).resolve("java");
            Files.writeString(java, "#!/bin/sh\nexit 1\n");
            assertTrue(java.toFile().setExecutable(true));
            Files.writeString(home.resolve("release"), "IMPLEMENTOR=\"x\"\nJAVA_VERSION=\"" + c[0] + "\"\n");
            // Through a link, as Debian's /usr/bin/java is one.
            Path link = Files.createSymbolicLink(checkout.resolve("java-" + c[0]), java);
            assertEquals(List.of(c[1]), bash("java_major \"$1\"", link.toString()), c[0]);
        }
        assertEquals(List.of(), bash("java_major \"$1\"", checkout.resolve("no-such-java").toString()));
        Path bare = Files.createDirectories(checkout.resolve("bare/bin")).resolve("java");
        Files.writeString(bare, "#!/bin/sh\n");
        assertTrue(bare.toFile().setExecutable(true));
        assertEquals(List.of(), bash("java_major \"$1\"", bare.toString()), "no release file");
    }
}

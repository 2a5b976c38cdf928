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

    /** The options for checkout {@link #checkout}, with SIMD {@code simd}, user options and command line. */
    private List<String> options(String simd, String user, String... args) throws IOException, InterruptedException {
        Path script = Path.of(System.getProperty("cortado.root", "..")).toAbsolutePath().normalize()
                .resolve("src/build/jvm-options.sh");
        List<String> command = new ArrayList<>(List.of("bash", "-c",
                "source \"$0\"; jvm_options \"$@\"; printf '%s\\n' \"${JVM_OPTIONS[@]}\"", script.toString(),
                checkout.toString(), simd, user));
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
}

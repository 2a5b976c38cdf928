package org.cortado.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code ./cortado} launcher on the packaged application, as a user runs it. */
class LauncherIT {
    record Run(int status, String out, String err) {
    }

    static Run launch(String... args) throws IOException, InterruptedException {
        return launch(Map.of(), args);
    }

    /** Runs the launcher with {@code env} added to this process's environment (e.g. CORTADO_JAVA_OPTS). */
    static Run launch(Map<String, String> env, String... args) throws IOException, InterruptedException {
        return launchFrom(root(), env, args);
    }

    static Path root() {
        return Path.of(System.getProperty("cortado.root", "..")).toAbsolutePath().normalize();
    }

    /** Runs the launcher of checkout {@code root}. */
    static Run launchFrom(Path root, Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(root.resolve("cortado").toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(root.toFile());
        builder.environment().putAll(env);
        Process p = builder.start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "launcher did not finish");
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    @Test
    void anErrorIsOneLineOnStandardErrorWithoutTheJvmsIncubatorWarning() throws Exception {
        Run r = launch("inspect", "--model", "/no/such/deploy.prototxt");
        assertEquals(1, r.status(), r.toString());
        assertEquals(List.of("cortado inspect: /no/such/deploy.prototxt: no such file"), r.err().lines().toList());
        assertEquals("", r.out());
    }

    @Test
    void versionGoesToStandardOutput() throws Exception {
        Run r = launch("--version");
        assertEquals(0, r.status(), r.toString());
        assertTrue(r.out().startsWith("cortado "), r.out());
        assertEquals("", r.err());
    }

    /** The build made a class-data-sharing archive (src/build/cds.sh), and the launcher's JVM maps its classes. */
    @Test
    void theBuiltClassDataArchiveIsUsed() throws Exception {
        assertTrue(Files.isRegularFile(root().resolve("src/target/cortado.jsa")), "no archive from the build");
        Run r = launch(Map.of("CORTADO_JAVA_OPTS", "-Xlog:class+load=info:stdout"), "--version");
        assertEquals(0, r.status(), r.toString());
        assertTrue(r.out().lines().anyMatch(l -> l.contains(" org.cortado.cli.Main source: shared objects file (top)")),
                "Main not from the archive: " + r.out().lines().filter(l -> l.contains("org.cortado.cli.Main ")).toList());
    }

    /**
     * An archive that does not match (made for a jar at another path, or not an archive at all) is ignored without a
     * word: the output is as without one.
     */
    @Test
    void aStaleOrBrokenArchiveChangesNothing(@TempDir Path copy) throws Exception {
        Path root = root();
        Files.copy(root.resolve("cortado"), copy.resolve("cortado"), StandardCopyOption.COPY_ATTRIBUTES);
        Files.createDirectories(copy.resolve("src/build"));
        Files.copy(root.resolve("src/build/jvm-options.sh"), copy.resolve("src/build/jvm-options.sh"));
        Path target = Files.createDirectories(copy.resolve("src/target"));
        Files.copy(root.resolve("src/target/cortado.jar"), target.resolve("cortado.jar"));
        Files.createSymbolicLink(target.resolve("lib"), root.resolve("src/target/lib"));
        Path archive = target.resolve("cortado.jsa");
        for (String kind : List.of("another checkout's", "broken")) {
            if (kind.equals("broken")) {
                Files.writeString(archive, "not a class-data-sharing archive");
            } else {
                Files.copy(root.resolve("src/target/cortado.jsa"), archive, StandardCopyOption.REPLACE_EXISTING);
            }
            Run version = launchFrom(copy, Map.of(), "--version");
            assertEquals(new Run(0, launch("--version").out(), ""), version, kind);
            Run error = launchFrom(copy, Map.of(), "inspect", "--model", "/no/such/deploy.prototxt");
            assertEquals(new Run(1, "", "cortado inspect: /no/such/deploy.prototxt: no such file\n"), error, kind);
        }
    }
}

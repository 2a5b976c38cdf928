package org.cortado.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The {@code ./cortado} launcher on the packaged application, as a user runs it. */
class LauncherIT {
    record Run(int status, String out, String err) {
    }

    static Run launch(String... args) throws IOException, InterruptedException {
        return launch(Map.of(), args);
    }

    /** Runs the launcher with {@code env} added to this process's environment (e.g. CORTADO_JAVA_OPTS). */
    static Run launch(Map<String, String> env, String... args) throws IOException, InterruptedException {
        Path root = Path.of(System.getProperty("cortado.root", "..")).toAbsolutePath().normalize();
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
}

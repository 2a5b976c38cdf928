package org.cortado.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./cortado-spark} as a user runs it after {@code package}: the jar with the libraries copied into
 * spark/target/lib, no Spark installation. A library left out of that folder (as happened once for Spark's
 * commons-lang3 when another dependency moved it to runtime scope) fails here, not in the unit tests, which run on
 * Maven's class path.
 */
class SparkLauncherIT {
    record Run(int status, String out, String err) {
    }

    static Run launch(String... args) throws IOException, InterruptedException {
        Path root = Path.of(System.getProperty("cortado.root", "..")).toAbsolutePath().normalize();
        List<String> command = new ArrayList<>(List.of(root.resolve("cortado-spark").toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(root.toFile()).start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "cortado-spark did not finish");
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    @Test
    void codesOfAFewImagesThroughTheLauncher(@TempDir Path tmp) throws Exception {
        Path images = Hymenoptera.every(Hymenoptera.val(), 40, tmp.resolve("images"));
        long n;
        try (Stream<Path> files = Files.walk(images)) {
            n = files.filter(f -> f.toString().endsWith(".jpg")).count();
        }
        Path out = tmp.resolve("codes.parquet");
        Run r = launch("codes", "--master", "local[2]", "--model", Hymenoptera.model().toString(), "--weights",
                Hymenoptera.weights().toString(), "--layer", Hymenoptera.LAYER, "--data", images.toString(), "--out",
                out.toString());
        assertEquals(0, r.status(), r.toString());
        assertTrue(r.out().contains("codes of " + n + " of " + n + " images -> "), r.toString());
        try (Stream<Path> parts = Files.list(out)) {
            assertTrue(parts.anyMatch(f -> f.getFileName().toString().endsWith(".parquet")), "no Parquet part");
        }
    }

    @Test
    void aMissingCaffemodelIsOneLineOnStandardError(@TempDir Path tmp) throws Exception {
        Run r = launch("codes", "--master", "local[1]", "--model", Hymenoptera.model().toString(), "--weights",
                "/no/such.caffemodel", "--data", tmp.toString(), "--out", tmp.resolve("x.parquet").toString());
        assertEquals(1, r.status(), r.toString());
        assertEquals(List.of("cortado-spark codes: /no/such.caffemodel: no such file"), r.err().lines().toList());
        assertEquals(false, Files.exists(tmp.resolve("x.parquet")), "no output for a refused run");
    }
}

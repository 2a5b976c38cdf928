package org.cortado.data;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/** Finds the shared material ({@code ../shared}) for tests, skipping them with the missing path when absent. */
public final class SharedMaterial {
    private SharedMaterial() {
    }

    /** {@code relative} under the shared folder (system property cortado.shared or env CORTADO_SHARED). */
    public static Path require(String relative) {
        String root = System.getProperty("cortado.shared", System.getenv("CORTADO_SHARED"));
        Path p = root == null ? Path.of("..", "shared").resolve(relative) : Path.of(root).resolve(relative);
        Assumptions.assumeTrue(Files.exists(p), "shared material not found: " + p.toAbsolutePath());
        return p;
    }
}

package org.cortado.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds the shared material (models, reference outputs, images) that tests read, and skips a test whose material is
 * absent, so that the build passes on a clean clone without it.
 *
 * <p>Looked for, first that exists: the system property {@code cortado.shared} (set by surefire from the parent
 * pom), the environment variable {@code CORTADO_SHARED}, then a {@code shared} folder beside the working directory
 * or beside any of its parents ({@code ../shared} from the repository root).
 */
public final class SharedData {
    private SharedData() {
    }

    /** The shared folder, or the first place looked at when none exists (for messages). */
    public static Path root() {
        List<Path> candidates = candidates();
        return candidates.stream().filter(Files::isDirectory).findFirst().orElse(candidates.get(0));
    }

    /** {@code relative} inside the shared folder; the calling test is skipped, naming the path, when it is absent. */
    public static Path require(String relative) {
        Path p = root().resolve(relative);
        assumeTrue(Files.exists(p), () -> "shared data not found: " + p
                + " (set -Dcortado.shared=DIR or CORTADO_SHARED to the shared folder)");
        return p;
    }

    private static List<Path> candidates() {
        List<Path> c = new ArrayList<>();
        String property = System.getProperty("cortado.shared");
        if (property != null && !property.isBlank()) {
            c.add(Path.of(property).toAbsolutePath().normalize());
        }
        String env = System.getenv("CORTADO_SHARED");
        if (env != null && !env.isBlank()) {
            c.add(Path.of(env).toAbsolutePath().normalize());
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null && dir.getParent() != null; dir = dir.getParent()) {
            c.add(dir.resolveSibling("shared"));
        }
        if (c.isEmpty()) {
            c.add(Path.of("../shared").toAbsolutePath().normalize());
        }
        return c;
    }
}

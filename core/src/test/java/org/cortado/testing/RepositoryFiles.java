package org.cortado.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/** Files of the repository itself (the weights manifest), found from a module's working directory. */
public final class RepositoryFiles {
    private RepositoryFiles() {
    }

    /** {@code relative} in the first folder at or above the working directory that has it. */
    public static Path find(String relative) {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path m = d.resolve(relative);
            if (Files.exists(m)) {
                return m;
            }
        }
        throw new AssertionError(relative + " not found above " + Path.of("").toAbsolutePath());
    }

    /** The repository's {@code weights/manifest.json}. */
    public static Path manifest() {
        return find("weights/manifest.json");
    }
}

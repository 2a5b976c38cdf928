package org.cortado.cli;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.cortado.weights.Manifest;
import picocli.CommandLine.Option;

/**
 * {@code --manifest FILE}: the Model Zoo manifest. By default {@code weights/manifest.json} of the installation: the
 * launcher's folder (system property {@code cortado.home}, which {@code ./cortado} sets), else the first folder above
 * the running jar or classes that holds it, else the copy built into cortado-core's jar.
 */
final class ManifestOption {
    /** Where the manifest lies below the installation's root. */
    static final String RELATIVE = "weights/manifest.json";

    @Option(names = "--manifest", paramLabel = "FILE",
            description = "The weights manifest (default: " + RELATIVE + " of the installation).")
    Path manifest;

    /** The manifest file in use: the option's, else the installation's; empty when the jar's copy is used. */
    Optional<Path> path() {
        return manifest != null ? Optional.of(manifest) : installed();
    }

    /** Reads the manifest; a missing {@code --manifest} file is an error naming it. */
    Manifest read() {
        if (manifest != null && !Files.isRegularFile(manifest)) {
            throw new IllegalArgumentException(manifest + ": no weights manifest there");
        }
        return path().map(Manifest::read).orElseGet(Manifest::bundled);
    }

    static Optional<Path> installed() {
        String home = System.getProperty("cortado.home");
        if (home != null && !home.isBlank()) {
            Path p = Path.of(home).resolve(RELATIVE);
            if (Files.isRegularFile(p)) {
                return Optional.of(p);
            }
        }
        try {
            Path code = Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            for (Path dir = code.toAbsolutePath(); dir != null; dir = dir.getParent()) {
                Path p = dir.resolve(RELATIVE);
                if (Files.isRegularFile(p)) {
                    return Optional.of(p);
                }
            }
        } catch (URISyntaxException | SecurityException | NullPointerException e) {
            // No code source to start from: no installed manifest.
        }
        return Optional.empty();
    }
}

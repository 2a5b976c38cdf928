package org.cortado.util;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * Native libraries that travel inside a jar as resources, {@code <folder>/<platform>/<file>}, and are loaded from a
 * copy on disk ({@code System.load} needs a file). The copies go to one private temporary folder per process, removed
 * when the JVM exits, so that processes never overwrite a library another one has mapped.
 */
public final class NativeLibraries {
    private static Path dir;

    private NativeLibraries() {
    }

    /**
     * This JVM's platform as the native builds name their folders, {@code <os>-<machine>} with the machine as
     * {@code uname -m} prints it ({@code linux-x86_64}, {@code linux-aarch64}); null on a system other than Linux,
     * for which nothing native is built.
     */
    public static String platform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        if (!os.startsWith("linux")) {
            return null;
        }
        String arch = System.getProperty("os.arch", "");
        return "linux-" + switch (arch) {
            case "amd64", "x86_64" -> "x86_64";
            case "arm64", "aarch64" -> "aarch64";
            default -> arch;
        };
    }

    /**
     * Copies the resource {@code resource} (a path inside the class path, no leading slash) into this process's
     * private folder under its own file name, and returns the copy; null when the class path has no such resource.
     */
    public static synchronized Path extract(ClassLoader loader, String resource) throws IOException {
        try (InputStream in = loader.getResourceAsStream(resource)) {
            if (in == null) {
                return null;
            }
            if (dir == null) {
                dir = Files.createTempDirectory("cortado-native-");
                dir.toFile().deleteOnExit();
            }
            Path file = dir.resolve(resource.substring(resource.lastIndexOf('/') + 1));
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            file.toFile().deleteOnExit();
            return file;
        }
    }
}

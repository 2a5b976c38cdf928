package org.cortado.gpu;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where CUDA, cuDNN and the driver are looked for, with no environment variable to set: the loader's own cache
 * ({@code ldconfig -p}), then the folders where installers put them (the toolkit's {@code /usr/local/cuda*}, the
 * distribution's {@code /usr/lib/x86_64-linux-gnu} and {@code /usr/lib64}, WSL's driver folder, the NVIDIA wheels that
 * a PyTorch install brings). {@code LD_LIBRARY_PATH} is honoured when set, never needed.
 */
final class LibrarySearch {
    private static final Pattern LDCONFIG_LINE = Pattern.compile("^\\s*(\\S+) \\(([^)]*)\\) => (\\S+)$");
    private static final Pattern VERSION = Pattern.compile("(\\d+)");

    private final Map<String, Path> ldcache;
    private final String ldcacheNote;
    private final List<Path> dirs;

    LibrarySearch(Map<String, Path> ldcache, String ldcacheNote, List<Path> dirs) {
        this.ldcache = Map.copyOf(ldcache);
        this.ldcacheNote = ldcacheNote;
        this.dirs = List.copyOf(dirs);
    }

    /** Only the given folders, in order (tests lay out a CUDA tree of their own). */
    static LibrarySearch of(List<Path> dirs) {
        return new LibrarySearch(Map.of(), "ldconfig cache not consulted", dirs);
    }

    /** The loader's cache and the usual install folders of this machine. */
    static LibrarySearch system() {
        Map<String, Path> cache = new LinkedHashMap<>();
        String note = readLdconfig(cache);
        Set<Path> dirs = new LinkedHashSet<>();
        String ldPath = System.getenv("LD_LIBRARY_PATH");
        if (ldPath != null) {
            for (String d : ldPath.split(":")) {
                if (!d.isEmpty()) {
                    dirs.add(Path.of(d));
                }
            }
        }
        for (Path cuda : versionedChildren(Path.of("/usr/local"), "cuda")) {
            dirs.add(cuda.resolve("lib64"));
            dirs.add(cuda.resolve("targets/x86_64-linux/lib"));
            dirs.add(cuda.resolve("lib"));
        }
        for (String d : List.of("/opt/cuda/lib64", "/opt/cuda/targets/x86_64-linux/lib", "/usr/lib/x86_64-linux-gnu",
                "/usr/lib64", "/usr/lib", "/lib/x86_64-linux-gnu", "/lib64", "/usr/lib/wsl/lib",
                "/usr/local/nvidia/lib64", "/usr/local/lib")) {
            dirs.add(Path.of(d));
        }
        // pip's NVIDIA wheels (nvidia-cublas-cu12, nvidia-cudnn-cu12, ... that PyTorch installs), system-wide or user.
        List<Path> sitePackages = new ArrayList<>();
        for (Path lib : List.of(Path.of("/usr/local/lib"), Path.of("/usr/lib"),
                Path.of(System.getProperty("user.home"), ".local/lib"))) {
            for (Path py : versionedChildren(lib, "python3")) {
                sitePackages.add(py.resolve("dist-packages/nvidia"));
                sitePackages.add(py.resolve("site-packages/nvidia"));
            }
        }
        for (Path nvidia : sitePackages) {
            for (Path pkg : children(nvidia)) {
                dirs.add(pkg.resolve("lib"));
            }
        }
        return new LibrarySearch(cache, note, new ArrayList<>(dirs));
    }

    /** The first of {@code sonames} found, as a file: the loader's cache first (what it would load), then the folders. */
    Optional<Path> find(String soname) {
        Path cached = ldcache.get(soname);
        if (cached != null && Files.isRegularFile(cached)) {
            return Optional.of(cached);
        }
        for (Path d : dirs) {
            Path p = d.resolve(soname);
            if (Files.isRegularFile(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** Whether the loader finds {@code soname} by itself (so libraries that dlopen it by name will find it too). */
    boolean loaderFinds(String soname) {
        return ldcache.containsKey(soname);
    }

    /** For messages: what was searched. */
    String describe() {
        StringBuilder b = new StringBuilder(ldcacheNote).append("; folders:");
        for (Path d : dirs) {
            b.append(' ').append(d);
            if (!Files.isDirectory(d)) {
                b.append(" (absent)");
            }
        }
        return b.toString();
    }

    private static String readLdconfig(Map<String, Path> cache) {
        for (String exe : List.of("/sbin/ldconfig", "/usr/sbin/ldconfig", "/usr/bin/ldconfig")) {
            if (!Files.isExecutable(Path.of(exe))) {
                continue;
            }
            try {
                Process p = new ProcessBuilder(exe, "-p").redirectErrorStream(true).start();
                String out;
                try (InputStream in = p.getInputStream()) {
                    out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    return exe + " -p did not answer within 10 s";
                }
                parseLdconfig(out, cache);
                return exe + " -p (" + cache.size() + " x86-64 entries)";
            } catch (IOException e) {
                return exe + " -p failed: " + e.getMessage();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return exe + " -p interrupted";
            }
        }
        return "no ldconfig in /sbin, /usr/sbin, /usr/bin";
    }

    /** Adds the x86-64 entries of {@code ldconfig -p} output to {@code cache}, soname to file, first one winning. */
    static void parseLdconfig(String output, Map<String, Path> cache) {
        for (String line : output.split("\n")) {
            Matcher m = LDCONFIG_LINE.matcher(line);
            if (m.matches() && m.group(2).contains("x86-64")) {
                cache.putIfAbsent(m.group(1), Path.of(m.group(3)));
            }
        }
    }

    /**
     * Children of {@code parent} named {@code prefix} (first: the installer's "current" link) or
     * {@code prefix-VERSION} / {@code prefix.VERSION}, newest version first by numeric comparison.
     */
    static List<Path> versionedChildren(Path parent, String prefix) {
        List<Path> found = new ArrayList<>();
        for (Path c : children(parent)) {
            String n = c.getFileName().toString();
            if (n.equals(prefix) || n.startsWith(prefix + "-") || n.startsWith(prefix + ".")) {
                found.add(c);
            }
        }
        found.sort(Comparator.comparing((Path p) -> p.getFileName().toString().equals(prefix) ? 0 : 1)
                .thenComparing(LibrarySearch::versionKey, Comparator.reverseOrder()));
        return found;
    }

    private static String versionKey(Path p) {
        Matcher m = VERSION.matcher(p.getFileName().toString());
        StringBuilder key = new StringBuilder();
        while (m.find()) {
            key.append(String.format("%06d.", Integer.parseInt(m.group(1))));
        }
        return key.toString();
    }

    private static List<Path> children(Path dir) {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            s.forEach(out::add);
        } catch (IOException e) {
            // An unreadable folder is one more place without libraries.
        }
        out.sort(Comparator.naturalOrder());
        return out;
    }
}

package org.cortado.fuzz;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.cortado.testing.SharedData;

/**
 * The files of {@code ../shared} that seed each target, chosen small: libFuzzer mutates inputs up to the size of its
 * largest seed, and every execution costs in proportion, so a 5 MB caffemodel or a 140 KB photograph would slow a
 * run without teaching it more than a small file of the same kind. Where the shared folder is absent the list is
 * empty and the target fuzzes from its own seeds in the test resources.
 */
final class SharedSeeds {
    /** Images above this size are left out. */
    private static final long MAX_IMAGE_BYTES = 20_000;
    /** Arrays above this size are left out. */
    private static final long MAX_NPY_BYTES = 16_384;

    private SharedSeeds() {
    }

    /** Net definitions (deploy and train_val) of the Model Zoo models, SqueezeNet and the tiny net. */
    static List<Path> prototxts() {
        return find("models", p -> p.toString().endsWith(".prototxt")
                && !p.getFileName().toString().startsWith("solver"));
    }

    /** Reference outputs saved by NumPy. */
    static List<Path> npys() {
        return find("reference", p -> p.toString().endsWith(".npy") && size(p) <= MAX_NPY_BYTES);
    }

    /** JPEG photographs of the data sets and images folders. */
    static List<Path> jpegs() {
        return images(".jpg", ".jpeg");
    }

    /** Every image format the data sets hold (JPEG, PNG, GIF), one digit per class of the digits set. */
    static List<Path> images() {
        return images(".jpg", ".jpeg", ".png", ".gif", ".bmp");
    }

    private static List<Path> images(String... suffixes) {
        Predicate<Path> small = p -> isImage(p, suffixes) && size(p) <= MAX_IMAGE_BYTES
                && (!p.toString().contains("digits") || p.getFileName().toString().endsWith("0008.png"));
        return Stream.concat(find("images", small).stream(), find("data", small).stream()).toList();
    }

    private static boolean isImage(Path p, String... suffixes) {
        String name = p.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        return Stream.of(suffixes).anyMatch(name::endsWith);
    }

    private static List<Path> find(String under, Predicate<Path> which) {
        Path root = SharedData.root().resolve(under);
        if (!Files.isDirectory(root)) {
            System.out.println("fuzz: no shared folder at " + root + "; fuzzing from the test resources' seeds only");
            return List.of();
        }
        // The shared folder may be a link (as it is on the development machine): follow links.
        try (Stream<Path> s = Files.walk(root, FileVisitOption.FOLLOW_LINKS)) {
            return s.filter(Files::isRegularFile).filter(which).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

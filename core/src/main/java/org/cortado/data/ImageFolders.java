package org.cortado.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Reads image-folder data sets: one subfolder per class under a root, class names sorted (so label ids are the same
 * on every machine), image files found recursively in each class folder and sorted by path. Files are recognised by
 * extension, case-insensitively: {@link #EXTENSIONS}; other files are ignored.
 */
public final class ImageFolders {
    /** Recognised image file extensions (JPEG, PNG, GIF, BMP). */
    public static final List<String> EXTENSIONS = List.of("jpg", "jpeg", "png", "gif", "bmp");

    private ImageFolders() {
    }

    /** A data set whose classes are the subfolders of {@code root}, sorted by name. */
    public static ImageDataset scan(Path root) {
        return scan(root, classFolders(root));
    }

    /**
     * A data set over the given classes (e.g. those of the training set): each must be a subfolder of {@code root},
     * and {@code root} may have no other subfolders.
     */
    public static ImageDataset scan(Path root, List<String> classes) {
        List<String> present = classFolders(root);
        Set<String> expected = new HashSet<>(classes);
        List<String> extra = present.stream().filter(c -> !expected.contains(c)).toList();
        List<String> missing = classes.stream().filter(c -> !present.contains(c)).toList();
        if (!extra.isEmpty() || !missing.isEmpty()) {
            throw new DatasetException(root + ": class folders " + present + " do not match the classes " + classes
                    + (missing.isEmpty() ? "" : "; missing " + missing) + (extra.isEmpty() ? "" : "; unexpected " + extra));
        }
        List<LabeledImage> samples = new ArrayList<>();
        for (int label = 0; label < classes.size(); label++) {
            Path folder = root.resolve(classes.get(label));
            List<Path> files = imageFiles(folder);
            if (files.isEmpty()) {
                throw new DatasetException(folder + ": class folder '" + classes.get(label) + "' has no image files ("
                        + String.join(", ", EXTENSIONS) + ")");
            }
            for (Path f : files) {
                samples.add(new LabeledImage(f, label));
            }
        }
        return new ImageDataset(classes, samples);
    }

    /** Separate {@code train/} and {@code val/} folders; the validation set uses the training set's classes. */
    public static TrainValSplit trainVal(Path trainRoot, Path valRoot) {
        ImageDataset train = scan(trainRoot);
        return new TrainValSplit(train, scan(valRoot, train.classes()));
    }

    /** Whether {@code file}'s name ends in a recognised image extension. */
    public static boolean isImageFile(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 && EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    private static List<String> classFolders(Path root) {
        if (!Files.isDirectory(root)) {
            throw new DatasetException(root + ": not a directory");
        }
        try (Stream<Path> s = Files.list(root)) {
            List<String> names = s.filter(Files::isDirectory).map(p -> p.getFileName().toString())
                    .filter(n -> !n.startsWith(".")).sorted().toList();
            if (names.isEmpty()) {
                throw new DatasetException(root + ": no class subfolders (expected one folder of images per class)");
            }
            return names;
        } catch (IOException e) {
            throw new UncheckedIOException(root + ": cannot list: " + e.getMessage(), e);
        }
    }

    private static List<Path> imageFiles(Path folder) {
        try (Stream<Path> s = Files.walk(folder)) {
            return s.filter(Files::isRegularFile).filter(ImageFolders::isImageFile)
                    .sorted((a, b) -> folder.relativize(a).toString().compareTo(folder.relativize(b).toString()))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(folder + ": cannot list: " + e.getMessage(), e);
        }
    }
}

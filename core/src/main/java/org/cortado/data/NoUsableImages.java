package org.cortado.data;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The error for a data set none of whose images could be used: a run on it would report an accuracy of nothing (NaN)
 * or train on zero gradients, so it stops instead, naming the folder, how many files were skipped and the first
 * reason.
 */
public final class NoUsableImages {
    private NoUsableImages() {
    }

    /**
     * @param role    "training", "validation", or "" for a data set without one
     * @param set     the data set
     * @param skipped the skipped files (of this set and maybe others; only this set's are counted)
     */
    public static DatasetException error(String role, ImageDataset set, List<Skipped> skipped) {
        String what = "no usable " + (role.isEmpty() ? "" : role + " ") + "image";
        if (set.size() == 0) {
            return new DatasetException(what + ": the " + (role.isEmpty() ? "" : role + " ") + "set is empty");
        }
        Set<Path> files = new HashSet<>();
        set.samples().forEach(s -> files.add(s.file()));
        List<Skipped> own = skipped.stream().filter(s -> files.contains(s.file())).toList();
        String first = own.isEmpty() ? "" : " (first: " + own.get(0) + ")";
        return new DatasetException(what + " in " + folder(set) + ": " + (own.size() == set.size() ? "all " : "")
                + own.size() + " of " + set.size() + " files were skipped" + first);
    }

    /** The folder the class folders of {@code set} are in (or its first image's folder, for a flat set). */
    private static Path folder(ImageDataset set) {
        Path file = set.samples().get(0).file();
        Path classDir = file.getParent() != null ? file.getParent() : file.toAbsolutePath().getParent();
        Path root = classDir.getParent();
        return root != null ? root : classDir;
    }
}

package org.cortado.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Where a data set's images come from: image folders (one subfolder per class), a Caffe ImageData list file
 * ({@code path label} lines), an LMDB of Caffe {@code Datum}s, or an HDF5Data layer's files (rows that are the net's
 * input already). {@link #parse} reads the forms the command line takes; {@link #open} lists the images (the images
 * themselves are read when a loader needs them).
 */
public sealed interface DataSource {
    /**
     * The images, in the source's order (folders: class, then path; a list: its lines; an LMDB: its keys).
     *
     * @param classes the class names the labels must index (a validation set's are its training set's), or null:
     *                the folders' names, or "0" to the largest label of a list or LMDB
     * @throws DatasetException naming the source when it is unusable
     */
    ImageDataset open(List<String> classes);

    /** The source as {@link #parse} takes it back. */
    String spec();

    /** One folder per class under {@code root}. */
    record Folders(Path root) implements DataSource {
        @Override
        public ImageDataset open(List<String> classes) {
            return classes == null ? ImageFolders.scan(root) : ImageFolders.scan(root, classes);
        }

        @Override
        public String spec() {
            return root.toString();
        }
    }

    /** A list file; {@code rootFolder} ("" for none) is put before each path, as Caffe's {@code root_folder}. */
    record ListFile(Path file, String rootFolder) implements DataSource {
        @Override
        public ImageDataset open(List<String> classes) {
            return ImageList.read(file, rootFolder, classes);
        }

        @Override
        public String spec() {
            return "list:" + file + (rootFolder.isEmpty() ? "" : ",root=" + rootFolder);
        }
    }

    /** An LMDB folder (holding {@code data.mdb}). */
    record Lmdb(Path folder) implements DataSource {
        @Override
        public ImageDataset open(List<String> classes) {
            return LmdbImages.scan(folder, classes);
        }

        @Override
        public String spec() {
            return "lmdb:" + folder;
        }
    }

    /**
     * An HDF5Data layer's list of HDF5 files; {@code dataTop} and {@code labelTop} name the datasets of the input
     * rows and of their labels (the layer's tops). Its rows are not images: they go to the net as they are.
     * {@code targets} null: one class index per row; else a target vector per row, checked as it says (a validation
     * set opened with its training set's classes, the K target columns, must have K targets too).
     */
    record Hdf5(Path list, String dataTop, String labelTop, Hdf5Data.Targets targets) implements DataSource {
        /** Class labels. */
        public Hdf5(Path list, String dataTop, String labelTop) {
            this(list, dataTop, labelTop, null);
        }

        /** The same files, their labels read as target vectors of {@code kind}. */
        public Hdf5 withTargets(Hdf5Data.Targets kind) {
            return new Hdf5(list, dataTop, labelTop, kind);
        }

        @Override
        public ImageDataset open(List<String> classes) {
            return targets == null ? Hdf5Data.scan(list, dataTop, labelTop, classes)
                    : Hdf5Data.scanTargets(list, dataTop, labelTop, targets, classes == null ? 0 : classes.size());
        }

        @Override
        public String spec() {
            return "hdf5:" + list + (dataTop.equals(DATA) ? "" : ",data=" + dataTop)
                    + (labelTop.equals(LABEL) ? "" : ",label=" + labelTop);
        }

        /** The datasets read when none are named: Caffe's usual tops. */
        static final String DATA = "data";
        static final String LABEL = "label";
        private static final java.util.regex.Pattern KEYS = java.util.regex.Pattern.compile(
                "^(.*?)((?:,[A-Za-z_]+=[^,]*)*)$", java.util.regex.Pattern.DOTALL);

        /**
         * {@code hdf5:LIST} or an HDF5 file ({@code .h5}, {@code .hdf5}), with optional {@code ,data=NAME} and
         * {@code ,label=NAME} for the datasets of the input rows and of the labels.
         */
        static Hdf5 parse(String text) {
            String body = text.regionMatches(true, 0, "hdf5:", 0, 5) ? text.substring(5) : text;
            var m = KEYS.matcher(body);
            m.matches();
            java.util.Map<String, String> keys = new java.util.HashMap<>();
            for (String kv : m.group(2).split(",")) {
                if (kv.isEmpty()) {
                    continue;
                }
                String key = kv.substring(0, kv.indexOf('='));
                String value = kv.substring(kv.indexOf('=') + 1);
                if (!key.equals(DATA) && !key.equals(LABEL)) {
                    throw new IllegalArgumentException("'" + text + "': unknown key '" + key + "'; an HDF5 source "
                            + "takes data=NAME and label=NAME (the datasets of the input rows and of the labels)");
                }
                if (value.isEmpty() || keys.put(key, value) != null) {
                    throw new IllegalArgumentException("'" + text + "': " + key + "= " + (value.isEmpty()
                            ? "names no dataset" : "is given twice"));
                }
            }
            return new Hdf5(Path.of(nonEmpty(text, m.group(1))), keys.getOrDefault(DATA, DATA),
                    keys.getOrDefault(LABEL, LABEL));
        }
    }

    /**
     * A source from the command line: {@code lmdb:PATH}, {@code list:FILE} or {@code list:FILE,root=DIR},
     * {@code folders:DIR}, {@code hdf5:LIST} or an HDF5 file ({@code .h5}, {@code .hdf5}), each HDF5 form with
     * optional {@code ,data=NAME,label=NAME}; or a bare path whose kind is told from what it is: a folder holding
     * {@code data.mdb} is an LMDB, another folder image folders, a file a list.
     *
     * @throws IllegalArgumentException naming the text when it is none of these
     */
    static DataSource parse(String text) {
        String bare = Hdf5.KEYS.matcher(text.toLowerCase(java.util.Locale.ROOT)).replaceAll("$1");
        if (bare.startsWith("hdf5:") || bare.endsWith(".h5") || bare.endsWith(".hdf5")) {
            return Hdf5.parse(text);
        }
        if (text.startsWith("lmdb:")) {
            return new Lmdb(Path.of(nonEmpty(text, text.substring(5))));
        }
        if (text.startsWith("folders:")) {
            return new Folders(Path.of(nonEmpty(text, text.substring(8))));
        }
        if (text.startsWith("list:")) {
            String rest = text.substring(5);
            int comma = rest.lastIndexOf(",root=");
            if (comma >= 0) {
                return new ListFile(Path.of(nonEmpty(text, rest.substring(0, comma))), rest.substring(comma + 6));
            }
            return new ListFile(Path.of(nonEmpty(text, rest)), "");
        }
        Path p = Path.of(nonEmpty(text, text));
        if (LmdbImages.isLmdb(p)) {
            return new Lmdb(p);
        }
        if (Files.isRegularFile(p)) {
            return new ListFile(p, "");
        }
        return new Folders(p);
    }

    private static String nonEmpty(String text, String path) {
        if (path.isBlank()) {
            throw new IllegalArgumentException("'" + text + "' names no path; a data source is a folder of class "
                    + "folders, lmdb:PATH, list:FILE[,root=DIR] or hdf5:LIST (or FILE.h5)[,data=NAME,label=NAME]");
        }
        return path;
    }

    /** A training set and a validation set over the training set's classes. */
    static TrainValSplit trainVal(DataSource train, DataSource val) {
        ImageDataset t = train.open(null);
        return new TrainValSplit(t, val.open(t.classes()));
    }
}

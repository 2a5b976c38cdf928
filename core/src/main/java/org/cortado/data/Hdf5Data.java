package org.cortado.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.cortado.image.ImageDecodeException;

/**
 * Caffe's HDF5Data sources: a text file listing HDF5 files (separated by white space, as Caffe reads them), each
 * holding one root dataset per top of the layer, all with the same number of rows N. Here the tops are an input blob
 * {@code N x C x H x W} and a class label per row ({@code N}, or {@code N x 1}, integer-valued; {@link #scan}) or a
 * target vector per row ({@link #scanTargets}, for EuclideanLoss and SigmoidCrossEntropyLoss), float, double or
 * integer, as hdf5.cpp reads them; every file's rows have the same shape. The rows are the net's input as it is:
 * HDF5Data has no transform. A relative file name is looked for from the working directory, as Caffe does, and then
 * beside the list.
 *
 * <p>Opening a source checks every file and reads the labels; each input row is read when a loader asks for it, so
 * that memory holds the labels only. A row is named {@code FILE[ROW]} in reports and errors.
 */
public final class Hdf5Data {
    private Hdf5Data() {
    }

    /**
     * The rows of the files {@code list} names, in list and row order, labelled from {@code labelTop}, with class
     * names {@code classes} (null: "0" to the largest label).
     *
     * @throws DatasetException with one line naming the list, file or dataset at fault
     */
    public static ImageDataset scan(Path list, String dataTop, String labelTop, List<String> classes) {
        List<LabeledImage> samples = new ArrayList<>();
        for (FileRows rows : fileRows(list, dataTop, labelTop)) {
            if (rows.label.rowFloats() != 1) {
                throw new DatasetException(rows.path + ": dataset '" + labelTop + "' is " + rows.label.shape() + ": "
                        + rows.label.rowFloats() + " values per row; a softmax classifier needs one class index per "
                        + "row (multi-label or regression targets train under a SigmoidCrossEntropyLoss or "
                        + "EuclideanLoss layer in the train_val)");
            }
            float[] labels = rows.file.rows(rows.label, 0, (int) rows.label.rows());
            for (int r = 0; r < labels.length; r++) {
                float v = labels[r];
                if (!(v >= 0) || v != Math.rint(v) || v >= NumericLabels.MAX_CLASSES) {
                    throw new DatasetException(rows.path + ": dataset '" + labelTop + "' row " + r + " is " + v
                            + "; labels are class indices, whole numbers from 0 below " + NumericLabels.MAX_CLASSES);
                }
                samples.add(new LabeledImage(rowName(rows.path, r), (int) v, rows.row(r, null)));
            }
        }
        return NumericLabels.dataset(list, samples, classes);
    }

    /** What a label dataset of several values per row holds, and how its values are checked. */
    public enum Targets {
        /** Real values (EuclideanLoss): finite. */
        REAL("EuclideanLoss targets are finite real values"),
        /** Probabilities (SigmoidCrossEntropyLoss): in [0, 1]. */
        PROBABILITIES("SigmoidCrossEntropyLoss targets are probabilities in [0, 1]");

        private final String rule;

        Targets(String rule) {
            this.rule = rule;
        }

        boolean allows(float v) {
            return this == REAL ? Float.isFinite(v) : v >= 0 && v <= 1;
        }
    }

    /**
     * The rows of the files {@code list} names with the target vectors of {@code labelTop} (K values per row, any
     * shape after N; {@code N} alone is K = 1), checked as {@code kind} says. The data set's "classes" are the K
     * target columns, named "0" to "K-1", and every sample's label is 0: {@link #target} gives its vector.
     *
     * @param width K that every file must have (a validation set's is its training set's), or 0 for the first file's
     * @throws DatasetException with one line naming the file, the dataset, its shape and the value at fault
     */
    public static ImageDataset scanTargets(Path list, String dataTop, String labelTop, Targets kind, int width) {
        List<LabeledImage> samples = new ArrayList<>();
        int k = width;
        String firstShape = null;
        for (FileRows rows : fileRows(list, dataTop, labelTop)) {
            int w = (int) Math.min(Integer.MAX_VALUE, rows.label.rowFloats());
            if (k == 0) {
                k = w;
                firstShape = rows.path + "'s " + rows.label.shape();
            }
            if (w != k) {
                throw new DatasetException(rows.path + ": dataset '" + labelTop + "' is " + rows.label.shape() + ": "
                        + w + " targets per row, " + (firstShape != null ? firstShape : "the training set's")
                        + " has " + k + "; every file's targets must have one width");
            }
            float[] values = rows.file.rows(rows.label, 0, (int) rows.label.rows());
            for (int r = 0; r < rows.label.rows(); r++) {
                float[] target = java.util.Arrays.copyOfRange(values, r * k, (r + 1) * k);
                for (int c = 0; c < k; c++) {
                    if (!kind.allows(target[c])) {
                        throw new DatasetException(rows.path + ": dataset '" + labelTop + "' (" + rows.label.shape()
                                + ") row " + r + " value " + c + " is " + target[c] + "; " + kind.rule);
                    }
                }
                samples.add(new LabeledImage(rowName(rows.path, r), 0, rows.row(r, target)));
            }
        }
        if (samples.isEmpty()) {
            throw new DatasetException(list + ": its HDF5 files hold no rows");
        }
        List<String> columns = new ArrayList<>();
        for (int c = 0; c < k; c++) {
            columns.add(Integer.toString(c));
        }
        return new ImageDataset(columns, samples);
    }

    /** The target vector of an HDF5 row read by {@link #scanTargets}, or null for any other sample. */
    public static float[] target(LabeledImage sample) {
        return sample.stored() instanceof Row r && r.target != null ? r.target.clone() : null;
    }

    /** K when {@code set} holds target vectors ({@link #scanTargets}), else 0. */
    public static int targetWidth(ImageDataset set) {
        return set.size() > 0 && target(set.samples().get(0)) != null ? set.classes().size() : 0;
    }

    private static Path rowName(Path file, int row) {
        return Path.of(file + "[" + row + "]");
    }

    /** A listed file with its two tables, checked against each other and against the files before it. */
    private record FileRows(Path path, Hdf5File file, Hdf5File.Table data, Hdf5File.Table label, int[] shape) {
        Row row(int r, float[] target) {
            return new Row(file, data, r, shape, target);
        }
    }

    private static List<FileRows> fileRows(Path list, String dataTop, String labelTop) {
        List<FileRows> out = new ArrayList<>();
        long total = 0;
        for (Path p : files(list)) {
            Hdf5File f = Hdf5File.open(p);
            Hdf5File.Table data = f.table(dataTop, "the data top '" + dataTop + "'");
            Hdf5File.Table label = f.table(labelTop, "the label top '" + labelTop + "'");
            if (data.dims().length != 4) {
                throw new DatasetException(p + ": dataset '" + dataTop + "' is " + data.shape() + "; the net's input "
                        + "comes as N x C x H x W");
            }
            if (label.rows() != data.rows()) {
                throw new DatasetException(p + ": dataset '" + labelTop + "' has " + label.rows() + " rows, '"
                        + dataTop + "' " + data.rows() + "; every top of a file has the same N (Caffe's check)");
            }
            if (data.rows() > Integer.MAX_VALUE - 8L - total) {
                throw new DatasetException(p + ": dataset '" + dataTop + "' has " + data.rows() + " rows, more than a "
                        + "data set holds here");
            }
            total += data.rows();
            int[] s = {(int) data.dims()[1], (int) data.dims()[2], (int) data.dims()[3]};
            if (!out.isEmpty() && !Arrays.equals(out.get(0).shape, s)) {
                int[] first = out.get(0).shape;
                throw new DatasetException(p + ": dataset '" + dataTop + "' has rows of " + data.shape().substring(
                        data.shape().indexOf(" x ") + 3) + ", " + out.get(0).file.path + "'s are " + first[0] + " x "
                        + first[1] + " x " + first[2] + "; every file's rows must have one shape");
            }
            out.add(new FileRows(p, f, data, label, s));
        }
        return out;
    }

    /**
     * Refuses rows of {@code set} (when they are HDF5 rows) whose channels are not the {@code channels} of the net's
     * input {@code input}: an image's transform gives the net what it takes, a stored row may not.
     *
     * @throws DatasetException naming the first row's file
     */
    public static void requireChannels(ImageDataset set, int channels, String input) {
        int[] s = rowShape(set);
        if (s != null && s[0] != channels) {
            throw new DatasetException(rowsOf(set, s, input) + ", which takes " + channels + " channels");
        }
    }

    /**
     * Refuses rows of {@code set} (when they are HDF5 rows) whose shape is not {@code chw}, the (C, H, W) a code
     * net's input {@code input} is built for: the rows go to it as stored, with no resize or crop to make them fit.
     *
     * @throws DatasetException naming the first row's file, its dataset, and both shapes
     */
    public static void requireShape(ImageDataset set, int[] chw, String input) {
        int[] s = rowShape(set);
        if (s != null && !Arrays.equals(s, chw)) {
            throw new DatasetException(rowsOf(set, s, input) + ", which takes " + chw[0] + " x " + chw[1] + " x "
                    + chw[2] + " (rows go to the net as stored: write them at its input size)");
        }
    }

    /** Whether {@code set}'s samples are HDF5 rows (the net's input as stored) rather than images. */
    public static boolean holdsRows(ImageDataset set) {
        return rowShape(set) != null;
    }

    private static int[] rowShape(ImageDataset set) {
        return set.size() > 0 && set.samples().get(0).stored() instanceof Row r ? r.shape.clone() : null;
    }

    private static String rowsOf(ImageDataset set, int[] s, String input) {
        Row r = (Row) set.samples().get(0).stored();
        return r.file.path + ": dataset '" + r.table.name() + "' has rows of " + s[0] + " x " + s[1] + " x " + s[2]
                + " for the net's input '" + input + "'";
    }

    /**
     * Closes the HDF5 files {@code list} names that are open (their rows can no longer be read), for a process that
     * opens many short-lived files: a fuzzer, or a service that is done with a data set.
     */
    public static void release(Path list) {
        try {
            files(list).forEach(Hdf5File::release);
        } catch (DatasetException e) {
            // A list that no longer names files names none that are open through it.
        }
    }

    /**
     * Whether {@code path} names an HDF5 file itself ({@code .h5} or {@code .hdf5}) rather than a list of them: the
     * command line takes either, and Caffe's lists are text files by other names.
     */
    public static boolean isHdf5Name(Path path) {
        Path file = path.getFileName();
        String name = file == null ? "" : file.toString().toLowerCase(java.util.Locale.ROOT);
        return name.endsWith(".h5") || name.endsWith(".hdf5");
    }

    /** The HDF5 files {@code list} names (or {@code list} itself when {@link #isHdf5Name} says so), resolved. */
    static List<Path> files(Path list) {
        if (isHdf5Name(list)) {
            if (!Files.isRegularFile(list)) {
                throw new DatasetException(list + ": no such HDF5 file");
            }
            return List.of(list);
        }
        if (!Files.isRegularFile(list)) {
            throw new DatasetException(list + ": no such HDF5 list file");
        }
        String text;
        try {
            text = Files.readString(list, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new DatasetException(list + ": cannot read: " + e.getMessage());
        }
        List<Path> out = new ArrayList<>();
        Path dir = list.toAbsolutePath().getParent();
        for (String name : text.strip().split("\\s+")) {
            if (name.isEmpty()) {
                continue;
            }
            Path p;
            try {
                p = Path.of(name);
            } catch (InvalidPathException e) {
                throw new DatasetException(list + ": '" + name + "' is not a path: " + e.getMessage());
            }
            if (!Files.exists(p) && !p.isAbsolute() && dir != null && Files.exists(dir.resolve(name))) {
                p = dir.resolve(name);
            }
            if (!Files.isRegularFile(p)) {
                throw new DatasetException(list + ": HDF5 file '" + name + "' not found (looked at "
                        + p.toAbsolutePath() + (p.isAbsolute() || dir == null ? "" : " and " + dir.resolve(name)) + ")");
            }
            out.add(p);
        }
        if (out.isEmpty()) {
            throw new DatasetException(list + ": lists no HDF5 file (Caffe needs at least one)");
        }
        return out;
    }

    /** One row of a file's input dataset, read when loaded. */
    private record Row(Hdf5File file, Hdf5File.Table table, long row, int[] shape, float[] target)
            implements StoredBlob {
        @Override
        public int[] shape() {
            return shape.clone();
        }

        @Override
        public float[] read(Path name) throws ImageDecodeException {
            try {
                return file.rows(table, row, 1);
            } catch (DatasetException e) {
                throw new ImageDecodeException(name, e.getMessage(), e);
            }
        }
    }
}

package org.cortado.features;

import java.util.List;
import org.cortado.data.DecodeWarning;
import org.cortado.data.Skipped;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * CNN codes of a data set: exactly one row per usable image, in the data set's stable order.
 *
 * @param codes      host tensor (N, D)
 * @param labels     N labels, indices into {@code classes}
 * @param files      N image paths, row by row
 * @param classes    class names
 * @param skipped    images that gave no row, with reasons
 * @param warnings   images that gave a row despite damage their decoder got past, with its warning
 * @param provenance how the codes were made
 */
public record FeatureSet(Tensor codes, int[] labels, List<String> files, List<String> classes, List<Skipped> skipped,
        List<DecodeWarning> warnings, Provenance provenance) {
    public FeatureSet {
        files = List.copyOf(files);
        classes = List.copyOf(classes);
        skipped = List.copyOf(skipped);
        warnings = List.copyOf(warnings);
        if (codes.shape().rank() != 2) {
            throw new IllegalArgumentException("codes must have shape (N, D), got " + codes.shape());
        }
        int n = codes.shape().dim(0);
        if (labels.length != n || files.size() != n) {
            throw new IllegalArgumentException(n + " code rows but " + labels.length + " labels and " + files.size()
                    + " files");
        }
        for (int i = 0; i < n; i++) {
            if (labels[i] < 0 || labels[i] >= classes.size()) {
                throw new IllegalArgumentException("label " + labels[i] + " of row " + i + " (" + files.get(i)
                        + ") is outside the " + classes.size() + " classes");
            }
        }
    }

    /** Codes without decoder warnings. */
    public FeatureSet(Tensor codes, int[] labels, List<String> files, List<String> classes, List<Skipped> skipped,
            Provenance provenance) {
        this(codes, labels, files, classes, skipped, List.of(), provenance);
    }

    /** From rows of codes (copied into one tensor), without decoder warnings. */
    public static FeatureSet of(float[][] rows, int dim, int[] labels, List<String> files, List<String> classes,
            List<Skipped> skipped, Provenance provenance) {
        return of(rows, dim, labels, files, classes, skipped, List.of(), provenance);
    }

    /** From rows of codes (copied into one tensor). */
    public static FeatureSet of(float[][] rows, int dim, int[] labels, List<String> files, List<String> classes,
            List<Skipped> skipped, List<DecodeWarning> warnings, Provenance provenance) {
        float[] data = new float[Math.multiplyExact(rows.length, dim)];
        for (int i = 0; i < rows.length; i++) {
            if (rows[i].length != dim) {
                throw new IllegalArgumentException("code row " + i + " has " + rows[i].length + " values, expected "
                        + dim);
            }
            System.arraycopy(rows[i], 0, data, i * dim, dim);
        }
        return new FeatureSet(Tensor.wrap(Shape.of(rows.length, dim), data), labels, files, classes, skipped,
                warnings, provenance);
    }

    public int rows() {
        return codes.shape().dim(0);
    }

    public int dim() {
        return codes.shape().dim(1);
    }

    /** The codes as rows (copies), the form the heads take. */
    public float[][] rowArrays() {
        int d = dim();
        float[] data = codes.hostData();
        float[][] out = new float[rows()][d];
        for (int i = 0; i < out.length; i++) {
            System.arraycopy(data, i * d, out[i], 0, d);
        }
        return out;
    }
}

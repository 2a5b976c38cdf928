package org.cortado.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Class names for the data sources whose labels are bare numbers (Caffe's list files and LMDBs): "0" to the largest
 * label seen, or the names of another set (a validation set takes its training set's).
 */
final class NumericLabels {
    /**
     * The most classes a numeric-label source may imply: far beyond any classification set, and a bound on the
     * class-name list a single stray label (say 2000000000) would otherwise make.
     */
    static final int MAX_CLASSES = 1_000_000;

    private NumericLabels() {
    }

    /**
     * A data set of {@code samples} from {@code source}; with {@code classes} null, the classes are "0" to the largest
     * label; otherwise every label must index {@code classes}.
     */
    static ImageDataset dataset(Path source, List<LabeledImage> samples, List<String> classes) {
        int max = -1;
        LabeledImage widest = null;
        for (LabeledImage s : samples) {
            if (s.label() > max) {
                max = s.label();
                widest = s;
            }
        }
        if (classes == null) {
            if (max >= MAX_CLASSES) {
                throw new DatasetException(source + ": " + widest.file() + " has label " + max
                        + "; labels are class indices below " + MAX_CLASSES);
            }
            List<String> names = new ArrayList<>(max + 1);
            for (int i = 0; i <= max; i++) {
                names.add(Integer.toString(i));
            }
            return new ImageDataset(names, samples);
        }
        if (max >= classes.size()) {
            throw new DatasetException(source + ": " + widest.file() + " has label " + max + ", beyond the "
                    + classes.size() + " classes of the training set");
        }
        return new ImageDataset(classes, samples);
    }
}

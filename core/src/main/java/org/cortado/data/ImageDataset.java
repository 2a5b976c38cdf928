package org.cortado.data;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.cortado.util.Shuffle;

/**
 * Labelled image files in a stable order, with the class names that labels index.
 *
 * @param classes class names; label {@code i} is {@code classes.get(i)}
 * @param samples the images, ordered by class, then by path within a class
 */
public record ImageDataset(List<String> classes, List<LabeledImage> samples) {
    public ImageDataset {
        classes = List.copyOf(classes);
        samples = List.copyOf(samples);
        for (LabeledImage s : samples) {
            if (s.label() >= classes.size()) {
                throw new IllegalArgumentException("label " + s.label() + " of " + s.file() + " is beyond the "
                        + classes.size() + " classes " + classes);
            }
        }
    }

    public int size() {
        return samples.size();
    }

    /** The number of images of each class. */
    public int[] classCounts() {
        int[] n = new int[classes.size()];
        for (LabeledImage s : samples) {
            n[s.label()]++;
        }
        return n;
    }

    /** The labels in sample order. */
    public int[] labels() {
        return samples.stream().mapToInt(LabeledImage::label).toArray();
    }

    /**
     * A seeded stratified split: from each class, {@code round(n * valFraction)} images drawn at random (one
     * generator seeded with {@code seed}, classes in order) go to the validation set; both parts keep this data set's
     * order.
     */
    public TrainValSplit split(double valFraction, long seed) {
        if (!(valFraction > 0 && valFraction < 1)) {
            throw new IllegalArgumentException("validation fraction must be strictly between 0 and 1, got "
                    + valFraction);
        }
        SplittableRandom rng = new SplittableRandom(seed);
        int[] labels = labels();
        boolean[] toVal = new boolean[samples.size()];
        for (int c = 0; c < classes.size(); c++) {
            int[] members = Shuffle.classMembers(labels, c, rng);
            long nVal = Math.round(members.length * valFraction);
            for (int k = 0; k < nVal; k++) {
                toVal[members[k]] = true;
            }
        }
        List<LabeledImage> train = new ArrayList<>();
        List<LabeledImage> val = new ArrayList<>();
        for (int i = 0; i < samples.size(); i++) {
            (toVal[i] ? val : train).add(samples.get(i));
        }
        return new TrainValSplit(new ImageDataset(classes, train), new ImageDataset(classes, val));
    }
}

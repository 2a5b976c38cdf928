package org.cortado.data;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

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
        boolean[] toVal = new boolean[samples.size()];
        for (int c = 0; c < classes.size(); c++) {
            List<Integer> members = new ArrayList<>();
            for (int i = 0; i < samples.size(); i++) {
                if (samples.get(i).label() == c) {
                    members.add(i);
                }
            }
            // Fisher-Yates over this class's positions; the first nVal go to validation.
            for (int i = members.size() - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                Integer t = members.get(i);
                members.set(i, members.get(j));
                members.set(j, t);
            }
            long nVal = Math.round(members.size() * valFraction);
            for (int k = 0; k < nVal; k++) {
                toVal[members.get(k)] = true;
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

package org.cortado.data;

/** A training set and a validation set over the same classes. */
public record TrainValSplit(ImageDataset train, ImageDataset val) {
    public TrainValSplit {
        if (!train.classes().equals(val.classes())) {
            throw new IllegalArgumentException("training classes " + train.classes()
                    + " differ from validation classes " + val.classes());
        }
    }
}

package org.cortado.heads;

import java.util.SplittableRandom;
import org.cortado.util.Shuffle;

/**
 * Stratified k-fold assignment: each class's samples, shuffled by a seeded generator, are dealt to the folds in
 * turn, so that every fold has nearly the class proportions of the whole (as scikit-learn's StratifiedKFold with
 * shuffling aims for). Deterministic for a seed.
 */
public final class StratifiedKFold {
    private StratifiedKFold() {
    }

    /** The fold (0..k-1) of each sample. */
    public static int[] assign(int[] y, int classes, int k, long seed) {
        if (k < 2) {
            throw new IllegalArgumentException("cross-validation needs at least 2 folds, got " + k);
        }
        if (y.length < k) {
            throw new IllegalArgumentException(k + "-fold cross-validation needs at least " + k + " samples, got "
                    + y.length);
        }
        SplittableRandom rng = new SplittableRandom(seed);
        int[] fold = new int[y.length];
        int next = 0;
        for (int c = 0; c < classes; c++) {
            int[] members = Shuffle.classMembers(y, c, rng);
            // Continue dealing where the previous class stopped, so small classes do not all land in fold 0.
            for (int m : members) {
                fold[m] = next;
                next = (next + 1) % k;
            }
        }
        return fold;
    }
}

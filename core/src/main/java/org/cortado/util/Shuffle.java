package org.cortado.util;

import java.util.SplittableRandom;

/** Seeded shuffles shared by data splits and cross-validation folds. */
public final class Shuffle {
    private Shuffle() {
    }

    /** The positions {@code i} with {@code labels[i] == label}, in a random order drawn from {@code rng}. */
    public static int[] classMembers(int[] labels, int label, SplittableRandom rng) {
        int n = 0;
        for (int l : labels) {
            if (l == label) {
                n++;
            }
        }
        int[] members = new int[n];
        int k = 0;
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] == label) {
                members[k++] = i;
            }
        }
        // Fisher-Yates from the end.
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = members[i];
            members[i] = members[j];
            members[j] = t;
        }
        return members;
    }
}

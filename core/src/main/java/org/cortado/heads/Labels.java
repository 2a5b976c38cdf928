package org.cortado.heads;

/** Argument checks shared by the heads. */
final class Labels {
    private Labels() {
    }

    /** Fails unless x is N x D with N, D > 0, y has N labels in {@code 0..classes-1} and classes >= 2. */
    static void check(float[][] x, int[] y, int classes) {
        if (classes < 2) {
            throw new IllegalArgumentException("a classifier needs at least 2 classes, got " + classes);
        }
        if (x.length == 0 || x[0].length == 0) {
            throw new IllegalArgumentException("no training codes (N = " + x.length + ")");
        }
        if (x.length != y.length) {
            throw new IllegalArgumentException(x.length + " codes but " + y.length + " labels");
        }
        int d = x[0].length;
        for (int i = 0; i < x.length; i++) {
            if (x[i].length != d) {
                throw new IllegalArgumentException("code " + i + " has " + x[i].length + " dimensions, code 0 has " + d);
            }
            if (y[i] < 0 || y[i] >= classes) {
                throw new IllegalArgumentException("label " + y[i] + " of code " + i + " is outside 0.." + (classes - 1));
            }
        }
    }
}

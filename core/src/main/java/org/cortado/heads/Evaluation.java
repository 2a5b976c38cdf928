package org.cortado.heads;

/**
 * Classification quality: accuracy, per-class precision, recall and F1, and the confusion matrix.
 * A class never predicted has precision 0, a class absent from the truth recall 0 (scikit-learn's zero_division=0).
 *
 * @param accuracy  fraction of correct predictions (NaN for zero samples)
 * @param confusion {@code confusion[true][predicted]} counts
 * @param precision per class: correct / predicted as the class
 * @param recall    per class: correct / truly of the class
 * @param f1        per class: harmonic mean of precision and recall
 * @param support   per class: number of samples truly of the class
 */
public record Evaluation(double accuracy, int[][] confusion, double[] precision, double[] recall, double[] f1,
        int[] support) {

    /** Scores {@code predicted} against {@code truth}, both labels in {@code 0..classes-1}. */
    public static Evaluation of(int[] truth, int[] predicted, int classes) {
        if (truth.length != predicted.length) {
            throw new IllegalArgumentException(truth.length + " true labels but " + predicted.length + " predictions");
        }
        int[][] cm = new int[classes][classes];
        int correct = 0;
        for (int i = 0; i < truth.length; i++) {
            if (truth[i] < 0 || truth[i] >= classes || predicted[i] < 0 || predicted[i] >= classes) {
                throw new IllegalArgumentException("label pair (" + truth[i] + ", " + predicted[i] + ") at " + i
                        + " outside 0.." + (classes - 1));
            }
            cm[truth[i]][predicted[i]]++;
            if (truth[i] == predicted[i]) {
                correct++;
            }
        }
        double[] p = new double[classes];
        double[] r = new double[classes];
        double[] f = new double[classes];
        int[] support = new int[classes];
        for (int k = 0; k < classes; k++) {
            int predictedK = 0;
            for (int t = 0; t < classes; t++) {
                predictedK += cm[t][k];
                support[k] += cm[k][t];
            }
            p[k] = predictedK == 0 ? 0 : (double) cm[k][k] / predictedK;
            r[k] = support[k] == 0 ? 0 : (double) cm[k][k] / support[k];
            f[k] = p[k] + r[k] == 0 ? 0 : 2 * p[k] * r[k] / (p[k] + r[k]);
        }
        double acc = truth.length == 0 ? Double.NaN : (double) correct / truth.length;
        return new Evaluation(acc, cm, p, r, f, support);
    }

    /** The number of samples scored. */
    public int count() {
        int n = 0;
        for (int s : support) {
            n += s;
        }
        return n;
    }
}

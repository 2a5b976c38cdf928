package org.cortado.heads;

import java.util.stream.IntStream;

/**
 * Chooses C by stratified k-fold cross-validation on the training set: for every C of the grid and every fold, the
 * preprocessing is fitted on the other folds only, the head trained there and scored on the held-out fold. The C with
 * the best mean accuracy wins; ties go to the smallest C (the strongest regularisation). The (C, fold) fits run in
 * parallel but each is deterministic and lands in its own slot, so the outcome does not depend on scheduling.
 */
public final class CrossValidation {
    private CrossValidation() {
    }

    /**
     * The scores of one candidate.
     *
     * @param c             the candidate C
     * @param meanAccuracy  mean of the fold accuracies
     * @param stdAccuracy   their (population) standard deviation
     * @param foldAccuracy  accuracy on each held-out fold
     */
    public record Candidate(double c, double meanAccuracy, double stdAccuracy, double[] foldAccuracy) {
    }

    /**
     * The outcome.
     *
     * @param bestC      the chosen C
     * @param folds      k
     * @param candidates every candidate in grid order
     */
    public record Result(double bestC, int folds, Candidate[] candidates) {
    }

    /** Runs the search for {@code spec}'s head over its grid on raw training codes {@code x}, labels {@code y}. */
    public static Result run(HeadSpec spec, float[][] x, int[] y, int classes) {
        double[] grid = spec.cGrid();
        int k = spec.folds();
        int[] fold = StratifiedKFold.assign(y, classes, k, spec.seed());
        double[][] acc = new double[grid.length][k];
        IntStream.range(0, grid.length * k).parallel().forEach(job -> {
            int g = job / k;
            int f = job % k;
            acc[g][f] = foldAccuracy(spec, x, y, classes, fold, f, grid[g]);
        });
        Candidate[] cands = new Candidate[grid.length];
        int best = 0;
        for (int g = 0; g < grid.length; g++) {
            double mean = 0;
            for (double a : acc[g]) {
                mean += a;
            }
            mean /= k;
            double var = 0;
            for (double a : acc[g]) {
                var += (a - mean) * (a - mean);
            }
            cands[g] = new Candidate(grid[g], mean, Math.sqrt(var / k), acc[g]);
            boolean better = mean > cands[best].meanAccuracy()
                    || (mean == cands[best].meanAccuracy() && grid[g] < cands[best].c());
            if (better) {
                best = g;
            }
        }
        return new Result(grid[best], k, cands);
    }

    private static double foldAccuracy(HeadSpec spec, float[][] x, int[] y, int classes, int[] fold, int f,
            double c) {
        int nTest = 0;
        for (int v : fold) {
            if (v == f) {
                nTest++;
            }
        }
        float[][] trainX = new float[x.length - nTest][];
        int[] trainY = new int[x.length - nTest];
        float[][] testX = new float[nTest][];
        int[] testY = new int[nTest];
        int a = 0;
        int b = 0;
        for (int i = 0; i < x.length; i++) {
            if (fold[i] == f) {
                testX[b] = x[i];
                testY[b++] = y[i];
            } else {
                trainX[a] = x[i];
                trainY[a++] = y[i];
            }
        }
        Preprocessor pre = Preprocessor.fit(spec.preprocessing(), trainX);
        LinearModel m = spec.fitModel(pre.apply(trainX), trainY, classes, c).model();
        int[] pred = m.predict(pre.apply(testX));
        int correct = 0;
        for (int i = 0; i < nTest; i++) {
            if (pred[i] == testY[i]) {
                correct++;
            }
        }
        return (double) correct / nTest;
    }
}

package org.cortado.cli;

import java.util.Arrays;
import java.util.List;
import org.cortado.advise.Probe;
import org.cortado.heads.HeadSpec;
import picocli.CommandLine.Option;

/**
 * The head of a layer sweep ({@code probe}, {@code advise}): as {@link HeadOptions}, but with a default head and C
 * chosen by cross-validation on the training codes by default, since one C rarely suits every depth.
 */
final class SweepHeadOptions {
    @Option(names = "--head", defaultValue = "softmax", paramLabel = "softmax|svm",
            description = "The head on each layer's codes: softmax (multinomial logistic regression) or svm (linear"
                    + " SVM, one-vs-rest). Default: ${DEFAULT-VALUE}.")
    String head;

    @Option(names = "--c", defaultValue = HeadOptions.CROSS_VALIDATE, paramLabel = "C|cv",
            description = "C of every head, or cv to choose it per layer by stratified k-fold cross-validation on the"
                    + " training codes over --c-grid. Default: ${DEFAULT-VALUE}.")
    String c;

    @Option(names = "--preprocessing", defaultValue = "standardize", paramLabel = "standardize|l2|none",
            description = "Normalisation of the codes, fitted on the training codes. Default: ${DEFAULT-VALUE}.")
    String preprocessing;

    @Option(names = "--c-grid", split = ",", paramLabel = "C",
            description = "Candidates for cross-validation (default: 0.001, 0.01, 0.1, 1, 10).")
    List<Double> grid;

    @Option(names = "--folds", defaultValue = "5", paramLabel = "K",
            description = "Folds of the cross-validation (also the score of a given C). Default: ${DEFAULT-VALUE}.")
    int folds;

    @Option(names = "--cv-seed", defaultValue = "0", paramLabel = "S",
            description = "Seed of the fold assignment and of the SVM's coordinate order. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--svm-loss", defaultValue = "squared_hinge", paramLabel = "squared_hinge|hinge",
            description = "The SVM's loss. Default: ${DEFAULT-VALUE}.")
    String svmLoss;

    HeadSpec toSpec() {
        List<Double> g = grid != null ? grid : Arrays.stream(Probe.DEFAULT_GRID).boxed().toList();
        return HeadOptions.toSpec(head, c, preprocessing, g, folds, seed, svmLoss);
    }
}

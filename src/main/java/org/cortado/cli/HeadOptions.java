package org.cortado.cli;

import java.util.List;
import java.util.Locale;
import org.cortado.heads.HeadSpec;
import org.cortado.heads.HeadType;
import org.cortado.heads.LinearSvm;
import org.cortado.heads.Preprocessing;
import picocli.CommandLine.Option;

/** The linear head: {@code --head}, {@code --c}, {@code --preprocessing} and the cross-validation settings. */
final class HeadOptions {
    /** The value of {@code --c} that asks for cross-validation. */
    static final String CROSS_VALIDATE = "cv";

    @Option(names = "--head", required = true, paramLabel = "softmax|svm",
            description = "softmax: multinomial logistic regression (L-BFGS); svm: linear SVM, one-vs-rest (LIBLINEAR's"
                    + " dual coordinate descent).")
    String head;

    @Option(names = "--c", defaultValue = "" + HeadSpec.DEFAULT_C, paramLabel = "C|cv",
            description = "Inverse regularisation strength C (penalty 0.5 |W|^2 + C x sum of losses), or cv to choose it"
                    + " by stratified k-fold cross-validation on the training codes over --c-grid. Default:"
                    + " ${DEFAULT-VALUE}, the LIBLINEAR and scikit-learn default (docs/transfer.md says why).")
    String c;

    @Option(names = "--preprocessing", defaultValue = "standardize", paramLabel = "standardize|l2|none",
            description = "Normalisation of the codes, fitted on the training codes. Default: ${DEFAULT-VALUE}.")
    String preprocessing;

    @Option(names = "--c-grid", split = ",", paramLabel = "C",
            description = "Candidates for cross-validation (default: 1e-5 to 1e2 in half decades).")
    List<Double> grid;

    @Option(names = "--folds", defaultValue = "5", paramLabel = "K",
            description = "Folds of the cross-validation. Default: ${DEFAULT-VALUE}.")
    int folds;

    @Option(names = "--cv-seed", defaultValue = "0", paramLabel = "S",
            description = "Seed of the fold assignment and of the SVM's coordinate order. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--svm-loss", defaultValue = "squared_hinge", paramLabel = "squared_hinge|hinge",
            description = "The SVM's loss. Default: ${DEFAULT-VALUE} (scikit-learn's LinearSVC default).")
    String svmLoss;

    HeadSpec toSpec() {
        return toSpec(head, c, preprocessing, grid, folds, seed, svmLoss);
    }

    /** The head from the options' values (shared with commands whose head options have other defaults). */
    static HeadSpec toSpec(String head, String c, String preprocessing, List<Double> grid, int folds, long seed,
            String svmLoss) {
        HeadSpec spec = HeadSpec.crossValidated(HeadType.parse(head)).withPreprocessing(Preprocessing.parse(preprocessing))
                .withSvmLoss(parseLoss(svmLoss));
        double[] g = grid == null ? HeadSpec.DEFAULT_GRID : grid.stream().mapToDouble(Double::doubleValue).toArray();
        spec = spec.withCrossValidation(g, folds, seed);
        if (!CROSS_VALIDATE.equalsIgnoreCase(c.strip())) {
            double value;
            try {
                value = Double.parseDouble(c.strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--c takes a positive number or '" + CROSS_VALIDATE + "', got '" + c
                        + "'");
            }
            spec = spec.withC(value);
        }
        return spec;
    }

    private static LinearSvm.Loss parseLoss(String s) {
        return switch (s.toLowerCase(Locale.ROOT).replace('-', '_')) {
            case "squared_hinge", "l2" -> LinearSvm.Loss.SQUARED_HINGE;
            case "hinge", "l1" -> LinearSvm.Loss.HINGE;
            default -> throw new IllegalArgumentException("unknown --svm-loss '" + s
                    + "' (expected squared_hinge or hinge)");
        };
    }
}

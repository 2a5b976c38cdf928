package org.cortado.cli;

import java.util.List;
import java.util.Locale;
import org.cortado.heads.HeadSpec;
import org.cortado.heads.HeadType;
import org.cortado.heads.LinearSvm;
import org.cortado.heads.Preprocessing;
import picocli.CommandLine.Option;

/**
 * How a linear head is fitted, whatever head and C a command chooses by default: {@code --preprocessing} and the
 * cross-validation settings.
 */
final class HeadTuningOptions {
    @Option(names = "--preprocessing", defaultValue = "standardize", paramLabel = "standardize|l2|none",
            description = "Normalisation of the codes, fitted on the training codes. Default: ${DEFAULT-VALUE}.")
    String preprocessing;

    @Option(names = "--c-grid", split = ",", paramLabel = "C",
            description = "Candidates for cross-validation (default: 1e-5 to 1e2 in half decades; for probe and"
                    + " advise 0.001 to 10 in decades).")
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

    /**
     * The head {@code head} with C {@code c} (a number, or {@link HeadOptions#CROSS_VALIDATE}) fitted as these options
     * say, cross-validating over {@code defaultGrid} unless {@code --c-grid} is given.
     */
    HeadSpec toSpec(String head, String c, double[] defaultGrid) {
        HeadSpec spec = HeadSpec.crossValidated(HeadType.parse(head))
                .withPreprocessing(Preprocessing.parse(preprocessing)).withSvmLoss(parseLoss(svmLoss));
        double[] g = grid == null ? defaultGrid : grid.stream().mapToDouble(Double::doubleValue).toArray();
        spec = spec.withCrossValidation(g, folds, seed);
        if (!HeadOptions.CROSS_VALIDATE.equalsIgnoreCase(c.strip())) {
            double value;
            try {
                value = Double.parseDouble(c.strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--c takes a positive number or '" + HeadOptions.CROSS_VALIDATE
                        + "', got '" + c + "'");
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

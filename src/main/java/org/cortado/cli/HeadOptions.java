package org.cortado.cli;

import org.cortado.heads.HeadSpec;
import picocli.CommandLine.Mixin;
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

    @Mixin
    HeadTuningOptions tuning;

    HeadSpec toSpec() {
        return tuning.toSpec(head, c, HeadSpec.DEFAULT_GRID);
    }
}

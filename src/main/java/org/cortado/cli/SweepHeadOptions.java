package org.cortado.cli;

import org.cortado.advise.Probe;
import org.cortado.heads.HeadSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The head of a layer sweep ({@code probe}): as {@link HeadOptions}, but softmax by default and C chosen per layer by
 * cross-validation on the training codes over a coarser grid ({@link Probe#DEFAULT_GRID}), since one C rarely suits
 * every depth.
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

    @Mixin
    HeadTuningOptions tuning;

    HeadSpec toSpec() {
        return tuning.toSpec(head, c, Probe.DEFAULT_GRID);
    }
}

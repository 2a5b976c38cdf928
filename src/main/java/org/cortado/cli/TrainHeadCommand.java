package org.cortado.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import org.cortado.data.DecodeWarning;
import org.cortado.data.Skipped;
import org.cortado.features.FeatureFiles;
import org.cortado.features.FeatureSet;
import org.cortado.features.Provenance;
import org.cortado.heads.Evaluation;
import org.cortado.heads.HeadFile;
import org.cortado.heads.HeadReport;
import org.cortado.heads.HeadSpec;
import org.cortado.heads.TrainedHead;
import org.cortado.json.JsonTree;
import org.cortado.transfer.Transfer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code cortado train-head}: feature files to a trained linear head and its JSON report. */
@Command(name = "train-head", mixinStandardHelpOptions = true,
        description = "Train a linear head (softmax or SVM) on the codes of a feature file, evaluate it on the training"
                + " codes and, with --val, on validation codes, and write the JSON report.")
final class TrainHeadCommand implements Callable<Integer> {
    @Option(names = "--train", required = true, paramLabel = "FEATURES.npy", description = "Training codes.")
    Path train;

    @Option(names = "--val", paramLabel = "FEATURES.npy",
            description = "Validation codes, made the same way (model, layer, preprocessing) over the same classes.")
    Path val;

    @Mixin
    HeadOptions head;

    @Option(names = "--report", required = true, paramLabel = "R.json", description = "The JSON report to write.")
    Path report;

    @Option(names = "--save", paramLabel = "HEAD.json",
            description = "Also write the head: weights on raw codes (normalisation folded in), the model on"
                    + " normalised codes, means and deviations.")
    Path save;

    @Mixin
    ReportOutput output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        HeadSpec headSpec = head.toSpec();
        FeatureSet trainSet = FeatureFiles.read(train);
        FeatureSet valSet = val == null ? null : FeatureFiles.read(val);
        if (valSet != null) {
            requireComparable(train, trainSet, val, valSet);
        }
        if (trainSet.rows() == 0) {
            throw new IllegalArgumentException(train + ": no codes to train on");
        }
        long t0 = System.nanoTime();
        TrainedHead trained = TrainedHead.fit(headSpec, trainSet);
        double fitSeconds = (System.nanoTime() - t0) / 1e9;
        Evaluation trainEval = trained.evaluate(trainSet);
        Evaluation valEval = valSet == null ? null : trained.evaluate(valSet);
        List<Skipped> skipped = new ArrayList<>(trainSet.skipped());
        List<DecodeWarning> warnings = new ArrayList<>(trainSet.warnings());
        if (valSet != null) {
            skipped.addAll(valSet.skipped());
            warnings.addAll(valSet.warnings());
        }
        ObjectNode r = JsonTree.edit(HeadReport.toJson(trained, trainSet.classes(), trainEval, valEval, skipped,
                warnings));
        r.put("train_features", train.toString());
        r.put("val_features", val == null ? null : val.toString());
        if (trainSet.provenance() != null) {
            r.putPOJO("codes", trainSet.provenance());
        }
        r.putObject("timings_seconds").put("fit", fitSeconds);
        if (valSet != null) {
            r = JsonTree.edit(HeadReport.withPredictions(JsonTree.of(r), trained, valSet));
        }
        output.write(r, report, trainSet.provenance(), out, spec.commandLine().getErr());
        if (save != null) {
            HeadFile.write(save, trained, trainSet.classes(), trainSet.provenance());
        }
        printSummary(out, trained, trainEval, valEval);
        out.printf("report -> %s%s%n", report, save == null ? "" : "; head -> " + save);
        return 0;
    }

    static void printSummary(PrintWriter out, TrainedHead trained, Evaluation trainEval, Evaluation valEval) {
        if (trained.crossValidation() != null) {
            out.printf("C by %d-fold cross-validation on the training codes (mean accuracy):%n",
                    trained.crossValidation().folds());
            out.print(Transfer.crossValidationSummary(trained.crossValidation()));
        }
        out.printf("%s, %s codes, C = %.4g: train accuracy %.4f (%d images)%n", trained.spec().describe(),
                trained.spec().preprocessing().id(), trained.c(), trainEval.accuracy(), trainEval.count());
        if (valEval != null) {
            out.printf("val accuracy %.4f (%d of %d)%n", valEval.accuracy(),
                    Math.round(valEval.accuracy() * valEval.count()), valEval.count());
        }
        if (!trained.converged()) {
            out.println("warning: the optimiser did not converge: " + trained.optimizerSummary());
        }
    }

    /** Training and validation codes must be alike: same length, same classes, made the same way. */
    static void requireComparable(Path a, FeatureSet x, Path b, FeatureSet y) {
        if (x.dim() != y.dim() && x.rows() > 0 && y.rows() > 0) {
            throw new IllegalArgumentException(a + " has codes of " + x.dim() + " values but " + b + " of " + y.dim());
        }
        if (!x.classes().equals(y.classes())) {
            throw new IllegalArgumentException(a + " has classes " + x.classes() + " but " + b + " has " + y.classes());
        }
        Provenance p = x.provenance();
        Provenance q = y.provenance();
        if (p == null || q == null) {
            return;
        }
        String[][] fields = {
            {"weights SHA-1", p.weightsSha1(), q.weightsSha1()},
            {"layer", p.layer(), q.layer()},
            {"activation", p.activation(), q.activation()},
            {"pooling", p.pooling(), q.pooling()},
            {"preprocessing", p.preprocessing(), q.preprocessing()},
        };
        for (String[] f : fields) {
            if (!Objects.equals(f[1], f[2])) {
                throw new IllegalArgumentException(a + " and " + b + " hold codes made differently: " + f[0] + " '"
                        + f[1] + "' vs '" + f[2] + "'");
            }
        }
    }
}

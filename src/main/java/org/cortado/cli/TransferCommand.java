package org.cortado.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.cortado.backend.Backend;
import org.cortado.data.DataSource;
import org.cortado.data.TrainValSplit;
import org.cortado.features.CodeExtractor;
import org.cortado.heads.HeadSpec;
import org.cortado.json.JsonTree;
import org.cortado.transfer.CodeNet;
import org.cortado.transfer.HeadExport;
import org.cortado.transfer.Transfer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cortado transfer}: the fixed-feature-extractor recipe end to end: codes, head, evaluation, report, export.
 */
@Command(name = "transfer", mixinStandardHelpOptions = true,
        description = "Transfer learning with a pretrained net as a fixed feature extractor: codes of the training and"
                + " validation images from the net cut after --layer, a linear head trained on the training codes,"
                + " the JSON report (val_accuracy, train_accuracy, n_train, n_val, skipped, confusion, recipe,"
                + " timings), and with --export the net and head as one Caffe model.")
final class TransferCommand implements Callable<Integer> {
    /** Validation images the export is read back and checked on, by default. */
    static final int EXPORT_CHECK_IMAGES = 16;

    @Mixin
    ModelOptions model;

    @Mixin
    CodeOptions code;

    @Mixin
    PreprocessOptions preprocess;

    @Mixin
    HeadOptions head;

    @Mixin
    DeviceOption device;

    @Mixin
    ManifestOption manifest;

    @Option(names = "--train", paramLabel = "SOURCE", converter = DataSourceConverter.class,
            description = "Training images: " + DataSourceConverter.FORMS + ".")
    DataSource train;

    @Option(names = "--val", paramLabel = "SOURCE", converter = DataSourceConverter.class,
            description = "Validation images over the same classes (same forms as --train).")
    DataSource val;

    @Option(names = "--data", paramLabel = "SOURCE", converter = DataSourceConverter.class,
            description = "Instead of --train/--val: one data set (same forms) split per class by --val-fraction.")
    DataSource data;

    @Option(names = "--val-fraction", defaultValue = "0.2", paramLabel = "F",
            description = "Share of each class held out for validation with --data. Default: ${DEFAULT-VALUE}.")
    double valFraction;

    @Option(names = "--split-seed", defaultValue = "0", paramLabel = "S",
            description = "Seed of the --data split. Default: ${DEFAULT-VALUE}.")
    long splitSeed;

    @Option(names = "--report", required = true, paramLabel = "R.json", description = "The JSON report to write.")
    Path report;

    @Option(names = "--export", paramLabel = "DIR",
            description = "Write the net with the head folded in: " + HeadExport.DEPLOY + ", " + HeadExport.CAFFEMODEL
                    + ", " + HeadExport.LABELS + ", " + HeadExport.RECIPE + ".")
    Path export;

    @Option(names = "--export-check", defaultValue = "" + EXPORT_CHECK_IMAGES, paramLabel = "N",
            description = "Validation images to run the written export on, read back, against the head (0: none)."
                    + " Default: ${DEFAULT-VALUE}.")
    int exportCheck;

    @Option(names = "--codes-dir", paramLabel = "DIR",
            description = "Where the feature files train.npy and val.npy go (default: R.codes beside the report).")
    Path codesDir;

    @Mixin
    DataOptions dataOptions;

    @Mixin
    ReportOutput output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        return dataOptions.run(this::run);
    }

    private Integer run() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        long t0 = System.nanoTime();
        HeadSpec headSpec = head.toSpec();
        if (export != null && HeadExport.refusal(headSpec.preprocessing()) != null) {
            throw new IllegalArgumentException("--export: " + HeadExport.refusal(headSpec.preprocessing()));
        }
        TrainValSplit split = split();
        ModelDefaults defaults = ModelDefaults.resolve(model, manifest, code, preprocess);
        out.println(defaults.describeSource());
        Path codes = codesDir != null ? codesDir : ReportOutput.codesBeside(report);
        try (Backend backend = device.open()) {
            CodeExtractor.Options options = dataOptions.extractorOptions(defaults.input());
            Transfer.Config config = new Transfer.Config(model.model, model.weights, defaults.codes(), defaults.input(),
                    headSpec, codes, export, options, export == null ? 0 : exportCheck, dataOptions.resume(),
                    dataOptions.quiet());
            Transfer.Result r = Transfer.run(config, split, backend);
            ObjectNode json = JsonTree.edit(Transfer.report(r, config, defaults.knownName(),
                    backend.device().toString()));
            double wall = (System.nanoTime() - t0) / 1e9;
            ((ObjectNode) json.get("timings_seconds")).put("command", wall);
            output.write(json, report, model.model, model.weights, r.codes().weightsSha1(), out, err);

            out.printf("codes: %s: %d values%n", r.codes().describeCodes(), r.codes().dim());
            out.println("preprocessing: " + r.codes().input().describe());
            out.printf("train: %d of %d images, val: %d of %d images; feature files in %s%n", r.train().rows(),
                    split.train().size(), r.val().rows(), split.val().size(), codes);
            CodesCommand.reportSkipped(r.skipped(), out, err, "transfer");
            CodesCommand.reportWarnings(r.warnings(), out, report);
            TrainHeadCommand.printSummary(out, r.head(), r.trainEvaluation(), r.valEvaluation());
            if (r.export() != null) {
                out.printf("export -> %s (%s, %s, %s, %s)%n", export, HeadExport.DEPLOY, HeadExport.CAFFEMODEL,
                        HeadExport.LABELS, HeadExport.RECIPE);
                if (r.exportCheck() != null) {
                    out.printf("export read back: %d of %d validation images get the head's class (largest probability"
                            + " difference %.2g)%n", r.exportCheck().agreeing(), r.exportCheck().images(),
                            r.exportCheck().maxProbabilityDiff());
                }
            }
            Transfer.Timings t = r.timings();
            out.printf("report -> %s%n", report);
            out.printf("wall time %.1f s (load %.1f, train codes %.1f, val codes %.1f, fit %.1f, export %.1f + check"
                    + " %.1f)%n", wall, t.load(), t.trainCodes(), t.valCodes(), t.fit(), t.export(), t.exportCheck());
            if (r.exportCheck() != null && !r.exportCheck().passed()) {
                throw new IllegalStateException("the export read back from " + export + " gave another class than the"
                        + " head for " + (r.exportCheck().images() - r.exportCheck().agreeing()) + " of "
                        + r.exportCheck().images() + " validation images");
            }
        }
        return 0;
    }

    private TrainValSplit split() {
        if (data != null) {
            if (train != null || val != null) {
                throw new IllegalArgumentException("give --train and --val, or --data with --val-fraction, not both");
            }
            return data.open(null).split(valFraction, splitSeed);
        }
        if (train == null || val == null) {
            throw new IllegalArgumentException("give --train and --val (or --data to split one data set)");
        }
        return DataSource.trainVal(train, val);
    }
}

package org.cortado.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.cortado.backend.Backend;
import org.cortado.backend.Backends;
import org.cortado.data.TrainValSplit;
import org.cortado.heads.HeadSpec;
import org.cortado.json.JsonTree;
import org.cortado.transfer.Transfer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
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
    @Mixin
    TransferOptions options;

    @Mixin
    ReportOutput output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        return options.run(this::run);
    }

    private Integer run() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        long t0 = System.nanoTime();
        HeadSpec headSpec = options.headSpec();
        TrainValSplit split = options.split();
        options.refuseHdf5Preprocessing();
        ModelDefaults defaults = options.defaults();
        out.println(defaults.describeSource());
        Path codes = options.codesDir();
        Path report = options.report();
        try (Backend backend = Backends.select(options.device())) {
            Transfer.Config config = options.config(defaults, headSpec);
            Transfer.Result r = Transfer.run(config, split, backend);
            ObjectNode json = JsonTree.edit(Transfer.report(r, config, defaults.knownName(),
                    backend.device().toString()));
            double wall = (System.nanoTime() - t0) / 1e9;
            ((ObjectNode) json.get("timings_seconds")).put("command", wall);
            output.write(json, report, options.model(), options.weights(), r.codes().weightsSha1(), out, err);

            out.printf("codes: %s: %d values%n", r.codes().describeCodes(), r.codes().dim());
            out.println("preprocessing: " + options.preprocessing(r.codes().input()));
            out.printf("train: %d of %d images, val: %d of %d images; feature files in %s%n", r.train().rows(),
                    split.train().size(), r.val().rows(), split.val().size(), codes);
            CodesCommand.reportSkipped(r.skipped(), out, err, "transfer");
            CodesCommand.reportWarnings(r.warnings(), out, report);
            TrainHeadCommand.printSummary(out, r.head(), r.trainEvaluation(), r.valEvaluation());
            options.finish(out, r.summary(codes), wall);
        }
        return 0;
    }
}

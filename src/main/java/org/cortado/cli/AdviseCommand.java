package org.cortado.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.cortado.advise.AdviseReport;
import org.cortado.advise.Advisor;
import org.cortado.advise.CaseRules;
import org.cortado.advise.FreezePoints;
import org.cortado.advise.Measurements;
import org.cortado.advise.ProbeReport;
import org.cortado.advise.RecipeRunner;
import org.cortado.advise.Recommendation;
import org.cortado.backend.Backend;
import org.cortado.finetune.EpochRecord;
import org.cortado.finetune.FineTuneListener;
import org.cortado.json.JsonTree;
import org.cortado.transfer.InputRecipe;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code cortado advise}: which of the four transfer-learning cases a data set is, the recipe, the reasons. */
@Command(name = "advise", mixinStandardHelpOptions = true,
        description = "Measure a data set against a pretrained net (size against the parameters fine-tuning would"
                + " train; similarity from the net's own predictions; a linear probe at every depth, in one pass),"
                + " say which case it is (small-similar, large-similar, small-different, large-different), recommend"
                + " a recipe with the reasons, and with --run run it through transfer or finetune; with --html a page"
                + " shows the measurements against their thresholds, the probe, the recipe and what the run got.")
final class AdviseCommand implements Callable<Integer> {
    @Mixin
    ModelOptions model;

    @Mixin
    PreprocessOptions preprocess;

    @Mixin
    DeviceOption device;

    @Mixin
    ManifestOption manifest;

    @Mixin
    TrainValOptions data;

    @Option(names = "--budget-minutes", defaultValue = "30", paramLabel = "M",
            description = "Time the run may take: fine-tuning gets fewer epochs when its estimate is over, and a"
                    + " runner-up close to the recommendation runs only when it fits. Default: ${DEFAULT-VALUE}.")
    double budgetMinutes;

    @Option(names = "--run", description = "Run the recommendation (and a close runner-up when the budget allows).")
    boolean run;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "S",
            description = "Seed of a fine-tuning run. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--codes", paramLabel = "DIR",
            description = "Where the feature files go (default: R.codes beside the report); with --resume, those that"
                    + " hold the same codes are reused.")
    Path codes;

    @Option(names = "--report", required = true, paramLabel = "R.json", description = "The JSON report to write.")
    Path report;

    @Mixin
    DataOptions dataOptions;

    @Mixin
    ReportOutput output;

    @Spec
    CommandSpec spec;

    /** The preprocessing in effect, for the commands printed. */
    private InputRecipe input;

    @Override
    public Integer call() {
        return dataOptions.run(this::run);
    }

    private Integer run() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        long t0 = System.nanoTime();
        Hdf5Sources.refusePreprocessing(preprocess, data.train, data.val);
        ModelDefaults defaults = ModelDefaults.resolveInput(model, manifest, preprocess);
        input = defaults.input();
        out.println(defaults.describeSource());
        Path dir = codes != null ? codes : ReportOutput.codesBeside(report);
        try (Backend backend = device.open()) {
            Advisor.Config config = new Advisor.Config(model.model, model.weights, data.train, data.val,
                    defaults.input(), dir, dataOptions.extractorOptions(defaults.input()), dataOptions.resume(),
                    budgetMinutes, run, seed, dataOptions.quiet());
            Advisor.Result r = Advisor.run(config, backend, listener(out));
            ObjectNode json = JsonTree.edit(AdviseReport.toJson(r, Advisor.probeConfig(config), this::command));
            double wall = (System.nanoTime() - t0) / 1e9;
            json.put("budget_minutes", budgetMinutes);
            json.put("wall_seconds", wall);
            json.put("device", backend.device().toString());
            output.write(json, report, model.model, model.weights, r.probe().net().weightsSha1(), out, err);
            print(out, err, r, wall);
        }
        return 0;
    }

    private void print(PrintWriter out, PrintWriter err, Advisor.Result r, double wall) {
        Measurements m = r.measurements();
        FreezePoints.Counts c = r.freezePoints();
        CodesCommand.reportSkipped(r.probe().skipped(), out, err, "advise");
        CodesCommand.reportWarnings(r.probe().warnings(), out, report);
        out.println("measurements:");
        out.printf(Locale.ROOT, "  size: %d training images, %d classes (%s), %d validation images%n",
                m.nTrain(), m.classes(), CaseRules.perClass(m), r.probe().nVal());
        out.printf(Locale.ROOT, "  fine-tuning above %s would train %,d parameters (%.4f images per parameter); the"
                + " whole net %,d (%s replaced by %d classes)%n", m.topStage().layer(), m.topStage().paramsAbove(),
                m.topStage().imagesPerParam(), c.totalParams(), c.classifier(), m.classes());
        out.printf(Locale.ROOT, "  source net's own predictions (%s): mean top-1 probability %.3f, normalised entropy"
                + " %.3f%n", m.source().layer(), m.source().meanTop1(), m.source().normalizedEntropy());
        out.printf(Locale.ROOT, "  probe (%s, C = 1, %d-fold cross-validation on the training codes): top code layer"
                + " %s %.3f, best below it %s %.3f%n", Advisor.HEAD.describe(), Advisor.HEAD.folds(),
                m.topCodeLayer(), m.topCodeCv(), m.bestBelowLayer(), m.bestBelowCv());
        out.print(ProbeReport.table(r.probe()).indent(4));
        if (r.joined() != null) {
            out.printf(Locale.ROOT, "    the %d layers below %s joined (%d values): cv %.4f, val %.4f%n",
                    r.joined().layers().size(), c.classifier(), r.joined().dim(), r.joined().cvAccuracy(),
                    r.joined().valAccuracy());
        }
        out.println("case: " + r.decision().verdict().id());
        out.println("recommendation: " + r.recommendation().describe());
        out.println("  " + command(r.recommendation()));
        if (r.alternative() != null) {
            out.println("runner-up: " + r.alternative().describe());
        }
        out.println("why: " + r.reasons());
        for (RecipeRunner.Outcome o : r.outcomes()) {
            out.printf(Locale.ROOT, "ran %s: val accuracy %.4f (%d images), train accuracy %.4f (%d images), %d"
                    + " skipped, %d decoded with warnings, %.1f s%n", o.recipe().describe(), o.valAccuracy(), o.nVal(),
                    o.trainAccuracy(), o.nTrain(), o.skipped().size(), o.warnings().size(), o.seconds());
        }
        if (r.notRun() != null) {
            out.println("runner-up not run: " + r.notRun());
        }
        out.printf(Locale.ROOT, "report -> %s%nwall time %.1f s%n", report, wall);
    }

    private String command(Recommendation r) {
        return r.command(model.model.toString(), model.weights.toString(), data.train.spec(),
                data.val.spec(), Hdf5Sources.of(data.train).isEmpty() ? input.transform() : null);
    }

    private static FineTuneListener listener(PrintWriter out) {
        return new FineTuneListener() {
            @Override
            public void message(String line) {
                out.println("  finetune: " + line);
            }

            @Override
            public void epoch(EpochRecord record, int epochs) {
                out.printf(Locale.ROOT, "  finetune: epoch %d/%d: val accuracy %.4f%n", record.epoch(), epochs,
                        record.valAccuracy());
            }
        };
    }
}

package org.cortado.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import org.cortado.advise.Probe;
import org.cortado.advise.ProbeReport;
import org.cortado.backend.Backend;
import org.cortado.data.TrainValSplit;
import org.cortado.json.JsonTree;
import org.cortado.transfer.CodeSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code cortado probe}: linear probes at every depth of a net, from one forward pass per image. */
@Command(name = "probe", mixinStandardHelpOptions = true,
        description = "Linear probes at every depth: one forward pass per image gives the codes of every probed layer"
                + " (post-activation, pooled over space), then a linear head per layer is scored by cross-validation"
                + " on the training codes, on the training codes and on the validation codes. Prints a table by"
                + " depth with the best layer marked; the JSON report has every row and best_layer, and with --html"
                + " a page shows the accuracies by layer.")
final class ProbeCommand implements Callable<Integer> {
    @Mixin
    ModelOptions model;

    @Mixin
    PreprocessOptions preprocess;

    @Mixin
    SweepHeadOptions head;

    @Mixin
    DeviceOption device;

    @Mixin
    ManifestOption manifest;

    @Mixin
    TrainValOptions data;

    @Option(names = "--layers", split = ",", paramLabel = "LAYER",
            description = "The layers to probe (default: every pooling with spatial output, every Concat and Eltwise,"
                    + " every ReLU'd Convolution or InnerProduct that ends a stage).")
    List<String> layers;

    @Option(names = "--pool", defaultValue = "avg", paramLabel = "avg|max",
            description = "Pooling of each layer's maps over space. Default: ${DEFAULT-VALUE}.")
    String pool;

    @Option(names = "--combine", split = ",", paramLabel = "A+B",
            description = "Extra rows of codes of several layers joined side by side, e.g. fire5/concat+fire6/concat.")
    List<String> combine;

    @Option(names = "--codes", paramLabel = "DIR",
            description = "Keep the feature files: " + Probe.ALL_LAYERS + ".train.npy / .val.npy with every layer, and"
                    + " LAYER.train.npy / LAYER.val.npy per layer (/ in a name as __). With --resume, files there that"
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

    @Override
    public Integer call() {
        return dataOptions.run(this::run);
    }

    private Integer run() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        long t0 = System.nanoTime();
        CodeSpec.Pooling pooling = CodeSpec.Pooling.parse(pool);
        TrainValSplit split = data.split();
        Hdf5Sources.refusePreprocessing(preprocess, data.train, data.val);
        ModelDefaults defaults = ModelDefaults.resolveInput(model, manifest, preprocess);
        out.println(defaults.describeSource());
        try (Backend backend = device.open()) {
            Probe.Config config = new Probe.Config(model.model, model.weights, layers, pooling, defaults.input(),
                    head.toSpec(), combinations(combine), codes, dataOptions.extractorOptions(defaults.input()),
                    dataOptions.resume(), false, dataOptions.quiet());
            Probe.Result r = Probe.run(config, split, backend);
            ObjectNode json = JsonTree.edit(ProbeReport.toJson(r, config));
            double wall = (System.nanoTime() - t0) / 1e9;
            ((ObjectNode) json.get("timings_seconds")).put("command", wall);
            json.put("device", backend.device().toString());
            output.write(json, report, model.model, model.weights, r.net().weightsSha1(), out, err);
            print(out, err, r, config, split, wall);
        }
        return 0;
    }

    private void print(PrintWriter out, PrintWriter err, Probe.Result r, Probe.Config config, TrainValSplit split,
            double wall) {
        out.printf("codes of %d layers in one pass per image (%s, post-activation, %s over space); %s%n",
                r.trainCodes().size(), config.head().describe(), config.pooling().id(),
                config.head().c() == null ? config.head().folds() + "-fold cross-validation of C on the training codes"
                        : "C = " + config.head().c());
        out.println("preprocessing: " + Hdf5Sources.preprocessing(config.input(), data.train, data.val));
        out.printf("train: %d of %d images, val: %d of %d images%n", r.nTrain(), split.train().size(), r.nVal(),
                split.val().size());
        CodesCommand.reportSkipped(r.skipped(), out, err, "probe");
        CodesCommand.reportWarnings(r.warnings(), out, report);
        out.print(ProbeReport.table(r));
        out.printf("best layer: %s (val %.4f); by cross-validation on the training codes: %s (cv %.4f)%n",
                r.bestLayer(), r.row(r.bestLayer()).valAccuracy(), r.bestLayerCv(),
                r.row(r.bestLayerCv()).cvAccuracy());
        if (codes != null) {
            out.println("feature files in " + codes);
        }
        out.printf("report -> %s%n", report);
        Probe.Timings t = r.timings();
        out.printf("wall time %.1f s (load %.1f, train codes %.1f, val codes %.1f, head fits %.1f)%n", wall, t.load(),
                t.trainCodes(), t.valCodes(), t.fits());
    }

    /** "a+b" values as lists of layers. */
    static List<List<String>> combinations(List<String> values) {
        List<List<String>> out = new ArrayList<>();
        if (values != null) {
            for (String v : values) {
                out.add(Arrays.stream(v.split("\\+")).map(String::strip).toList());
            }
        }
        return out;
    }
}

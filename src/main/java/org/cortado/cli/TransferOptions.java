package org.cortado.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import org.cortado.data.DataSource;
import org.cortado.data.TrainValSplit;
import org.cortado.features.CodeExtractor;
import org.cortado.heads.HeadSpec;
import org.cortado.transfer.HeadExport;
import org.cortado.transfer.InputRecipe;
import org.cortado.transfer.Transfer;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The options of {@code transfer}: model, code layer, preprocessing, head, device, the training and validation
 * images, report, export and how codes are computed. A mixin, so that {@code cortado transfer} and the Spark job's
 * {@code transfer} (module spark) take the same command line; public accessors for the latter, which lives in
 * another package.
 */
public final class TransferOptions {
    /** Validation images the export is read back and checked on, by default. */
    public static final int EXPORT_CHECK_IMAGES = 16;

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

    public Path model() {
        return model.model;
    }

    public Path weights() {
        return model.weights;
    }

    public Path report() {
        return report;
    }

    /** The export folder, or null for none. */
    public Path export() {
        return export;
    }

    /** Validation images the export is checked on: 0 without an export. */
    public int exportCheck() {
        return export == null ? 0 : exportCheck;
    }

    /** The folder of the codes: {@code --codes-dir}, else {@code R.codes} beside the report. */
    public Path codesDir() {
        return codesDir != null ? codesDir : ReportOutput.codesBeside(report);
    }

    /** {@code --device} as given (cpu, gpu, gpu:N, auto). */
    public String device() {
        return device.device;
    }

    /** The head; refused before any work when {@code --export} asks for a head that cannot be exported. */
    public HeadSpec headSpec() {
        HeadSpec spec = head.toSpec();
        if (export != null && HeadExport.refusal(spec.preprocessing()) != null) {
            throw new IllegalArgumentException("--export: " + HeadExport.refusal(spec.preprocessing()));
        }
        return spec;
    }

    /** The code layers and the preprocessing, the weights manifest filling in what the options leave out. */
    public ModelDefaults defaults() {
        return ModelDefaults.resolve(model, manifest, code, preprocess);
    }

    /** Batch size, decoding threads and part size for {@code input}'s preprocessing. */
    public CodeExtractor.Options extractorOptions(InputRecipe input) {
        return dataOptions.extractorOptions(input);
    }

    public boolean resume() {
        return dataOptions.resume();
    }

    /** The run's configuration from these options, the resolved {@code defaults} and the checked {@code head}. */
    public Transfer.Config config(ModelDefaults defaults, HeadSpec head) {
        return new Transfer.Config(model(), weights(), defaults.codes(), defaults.input(), head, codesDir(), export(),
                extractorOptions(defaults.input()), exportCheck(), resume(), quiet());
    }

    public boolean quiet() {
        return dataOptions.quiet();
    }

    /** Runs {@code work} with {@code --max-pixels} in force. */
    public <T, E extends Exception> T run(PixelLimitOption.Work<T, E> work) throws E {
        return dataOptions.run(work);
    }

    /**
     * The closing lines of a transfer run: the export and its check, the report, the wall time; then, when the export
     * read back disagrees with the head, the failure.
     */
    public void finish(PrintWriter out, Transfer.Summary r, double wall) {
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

    /** Refuses preprocessing options given with HDF5 sources ({@link Hdf5Sources}). */
    void refuseHdf5Preprocessing() {
        Hdf5Sources.refusePreprocessing(preprocess, train, val, data);
    }

    /** The preprocessing line for {@code input}: none for HDF5 rows. */
    String preprocessing(org.cortado.transfer.InputRecipe input) {
        return Hdf5Sources.preprocessing(input, train, val, data);
    }

    /** The training and validation sets: {@code --train} and {@code --val}, or {@code --data} split. */
    public TrainValSplit split() {
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

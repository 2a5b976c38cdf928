package org.cortado.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.cortado.backend.Backend;
import org.cortado.data.DataSource;
import org.cortado.data.DecodeWarning;
import org.cortado.data.ImageDataset;
import org.cortado.data.Skipped;
import org.cortado.data.TrainValSplit;
import org.cortado.features.CodeExtractor;
import org.cortado.features.FeatureFiles;
import org.cortado.features.FeatureSet;
import org.cortado.features.LibSvm;
import org.cortado.transfer.CodeNet;
import org.cortado.util.Progress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cortado codes}: images of a data set (image folders, a Caffe list file or an LMDB) or HDF5 rows to a feature
 * file (.npy codes, .labels.npy, .json with the file of each row, the skipped images and the provenance), optionally
 * LIBSVM text too.
 */
@Command(name = "codes", mixinStandardHelpOptions = true,
        description = "Compute the CNN codes of a data set (image folders, a Caffe list file, LMDB or HDF5 rows) with a"
                + " net cut after --layer, into a feature file: FEATURES.npy (float32, N x D), FEATURES.labels.npy"
                + " (int32), FEATURES.json (classes, the file of each row, skipped images, provenance).")
final class CodesCommand implements Callable<Integer> {
    @Mixin
    ModelOptions model;

    @Mixin
    CodeOptions code;

    @Mixin
    PreprocessOptions preprocess;

    @Mixin
    DeviceOption device;

    @Mixin
    PrecisionOption precision;

    @Mixin
    ManifestOption manifest;

    @Option(names = "--data", paramLabel = "SOURCE", converter = DataSourceConverter.class,
            description = "One data set: " + DataSourceConverter.FORMS + ".")
    DataSource data;

    @Option(names = "--train", paramLabel = "SOURCE", converter = DataSourceConverter.class,
            description = "A training set (with --val; same forms as --data): writes FEATURES with .train and .val"
                    + " before .npy.")
    DataSource train;

    @Option(names = "--val", paramLabel = "SOURCE", converter = DataSourceConverter.class,
            description = "The validation set, over the training set's classes.")
    DataSource val;

    @Option(names = "--out", required = true, paramLabel = "FEATURES.npy", description = "The feature file.")
    Path out;

    @Option(names = "--libsvm", paramLabel = "FILE",
            description = "Also write LIBSVM text (label index:value ...); with --train/--val, .train and .val are put"
                    + " before its extension.")
    Path libsvm;

    @Mixin
    DataOptions dataOptions;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        return dataOptions.run(this::run);
    }

    private Integer run() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<Job> jobs = jobs();
        Hdf5Sources.refusePreprocessing(preprocess, data, train, val);
        ModelDefaults defaults = ModelDefaults.resolve(model, manifest, code, preprocess);
        out.println(defaults.describeSource());
        try (Backend backend = precision.open(device)) {
            CodeNet net = CodeNet.load(model.model, model.weights, defaults.codes(), defaults.input(), backend);
            out.printf("codes: %s: %d values%n", net.describeCodes(), net.dim());
            out.println("preprocessing: " + Hdf5Sources.preprocessing(net.input(), data, train, val));
            CodeExtractor.Options options = dataOptions.extractorOptions(net.input());
            for (Job job : jobs) {
                long t0 = System.nanoTime();
                FeatureSet set;
                try (Progress progress = Progress.onStderr(job.name + " codes", "img", job.data.size(),
                        dataOptions.quiet())) {
                    set = net.extract(job.data, job.npy, options, progress, dataOptions.resume());
                }
                double seconds = (System.nanoTime() - t0) / 1e9;
                if (job.libsvm != null) {
                    LibSvm.write(job.libsvm, set);
                }
                out.printf("%s: %d of %d images -> %s (%s, %s)%s in %.1f s%n", job.name, set.rows(), job.data.size(),
                        job.npy, FeatureFiles.labelsPath(job.npy).getFileName(),
                        FeatureFiles.metadataPath(job.npy).getFileName(),
                        job.libsvm == null ? "" : ", LIBSVM " + job.libsvm, seconds);
                reportSkipped(set.skipped(), out, err, "codes");
                reportWarnings(set.warnings(), out, FeatureFiles.metadataPath(job.npy));
            }
        }
        return 0;
    }

    /** Each skipped image on standard output and, as a warning, on standard error. */
    static void reportSkipped(List<Skipped> skipped, PrintWriter out, PrintWriter err, String command) {
        if (skipped.isEmpty()) {
            return;
        }
        out.printf("skipped %d image(s):%n", skipped.size());
        for (Skipped s : skipped) {
            out.printf("  %s: %s%n", s.file(), s.reason());
            err.printf("cortado %s: skipped %s: %s%n", command, s.file(), s.reason());
        }
    }

    /**
     * The images used despite decoder warnings (damage the decoder got past, such as a truncated JPEG): their count
     * and each one on standard output, and where the report lists them.
     */
    static void reportWarnings(List<DecodeWarning> warnings, PrintWriter out, Path report) {
        if (warnings.isEmpty()) {
            return;
        }
        out.printf("decoded with warnings: %d image(s), used as decoded (listed under \"warnings\" in %s):%n",
                warnings.size(), report);
        for (DecodeWarning w : warnings) {
            out.printf("  %s: %s%n", w.file(), w.reason());
        }
    }

    private record Job(String name, ImageDataset data, Path npy, Path libsvm) {
    }

    private List<Job> jobs() {
        if ((data == null) == (train == null)) {
            throw new IllegalArgumentException("give --data, or --train with --val");
        }
        if ((train == null) != (val == null)) {
            throw new IllegalArgumentException("--train and --val go together");
        }
        if (!out.getFileName().toString().endsWith(".npy")) {
            throw new IllegalArgumentException("--out " + out + ": a feature file's name ends in .npy");
        }
        List<Job> jobs = new ArrayList<>();
        if (data != null) {
            jobs.add(new Job("data", data.open(null), out, libsvm));
        } else {
            TrainValSplit tv = DataSource.trainVal(train, val);
            jobs.add(new Job("train", tv.train(), withPart(out, "train"), libsvm == null ? null : withPart(libsvm, "train")));
            jobs.add(new Job("val", tv.val(), withPart(out, "val"), libsvm == null ? null : withPart(libsvm, "val")));
        }
        return jobs;
    }

    /** {@code dir/codes.npy} with part "train" is {@code dir/codes.train.npy}; without an extension, appended. */
    static Path withPart(Path file, String part) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String named = dot > 0 ? name.substring(0, dot) + "." + part + name.substring(dot) : name + "." + part;
        return file.resolveSibling(named);
    }
}

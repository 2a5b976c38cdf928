package org.cortado.spark.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.SparkSession;
import org.cortado.features.CodeExtractor;
import org.cortado.image.PixelLimit;
import org.cortado.spark.CnnCodes;
import org.cortado.spark.LocalCluster;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;

/** Where the job runs: {@code --master} and {@code --conf}; and the CnnCodes stage of a parsed command line. */
final class SparkOptions {
    /** The options that shape the codes, passed to the executors as the command line gave them. */
    private static final Set<String> CODE_OPTIONS = Set.of("--resize", "--resize-shorter", "--crop", "--mean-values",
            "--mean-file", "--scale", "--transform-from", "--oversample");

    @Option(names = "--master", defaultValue = "local[*]", paramLabel = "URL",
            description = "Spark master: local[N], local-cluster[workers,cores,MB] (executors in JVMs of their own),"
                    + " spark://HOST:PORT, yarn, k8s://... Default: ${DEFAULT-VALUE}.")
    String master;

    @Option(names = "--conf", paramLabel = "KEY=VALUE",
            description = "A Spark setting, as spark-submit's --conf (repeatable).")
    Map<String, String> conf;

    /** The session, with the {@code --conf} settings. */
    SparkSession session(String app) {
        SparkSession spark = LocalCluster.session(master, app, conf == null ? Map.of() : conf);
        return spark;
    }

    /**
     * The codes stage for the parsed command line: model, weights, the code and preprocessing options as given
     * (the executors fill in the known model's defaults as the CLI does), device, batch, threads and the pixel limit
     * in force.
     */
    static CnnCodes codes(ParseResult parsed, java.nio.file.Path model, java.nio.file.Path weights, String device,
            CodeExtractor.Options extraction) {
        CnnCodes c = new CnnCodes().setModel(model.toAbsolutePath().toString())
                .setWeights(weights.toAbsolutePath().toString()).setDevice(device)
                .setBatchSize(extraction.batchSize()).setDecodeThreads(extraction.threads())
                .setMaxPixels(PixelLimit.current());
        List<String> preprocessing = new ArrayList<>();
        for (ParseResult p = parsed; p != null; p = p.subcommand()) {
            for (OptionSpec o : p.matchedOptions()) {
                String name = o.longestName();
                List<String> values = o.originalStringValues();
                String last = values.isEmpty() ? null : values.get(values.size() - 1);
                switch (name) {
                    case "--layer" -> c.setLayer(last);
                    case "--pool" -> c.setPooling(last);
                    case "--pre-activation" -> c.setPreActivation(true);
                    case "--manifest" -> c.setManifest(java.nio.file.Path.of(last).toAbsolutePath().toString());
                    default -> {
                        if (CODE_OPTIONS.contains(name)) {
                            preprocessing.add(name);
                            if (o.arity().max() > 0) {
                                if (last.isBlank() || last.chars().anyMatch(Character::isWhitespace)) {
                                    throw new IllegalArgumentException(name + " '" + last + "': values with spaces"
                                            + " cannot be passed to the executors");
                                }
                                preprocessing.add(last);
                            }
                        }
                    }
                }
            }
        }
        return c.setPreprocessing(String.join(" ", preprocessing));
    }
}

package org.cortado.spark.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.cortado.backend.Backend;
import org.cortado.backend.Backends;
import org.cortado.cli.ModelDefaults;
import org.cortado.cli.ReportOutput;
import org.cortado.cli.TransferOptions;
import org.cortado.data.Hdf5Data;
import org.cortado.data.TrainValSplit;
import org.cortado.features.CodeExtractor;
import org.cortado.heads.Evaluation;
import org.cortado.json.JsonTree;
import org.cortado.spark.CnnCodes;
import org.cortado.spark.SparkTransfer;
import org.cortado.transfer.Transfer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cortado-spark transfer}: {@code cortado transfer} on a Spark cluster, with its options and report. The codes
 * are computed by the executors and saved as Parquet in the codes folder; the head is fitted on the cluster
 * ({@code MllibHeads}); the driver writes the export and the report.
 */
@Command(name = "transfer", mixinStandardHelpOptions = true,
        description = "cortado transfer on Spark: codes computed by the executors, the head fitted on the"
                + " cluster, the report of cortado transfer (with a 'spark' section), and with --export the net and"
                + " head as one Caffe model. The images, model and weights must be at paths every executor reads.")
final class SparkTransferCommand implements Callable<Integer> {
    @Mixin
    TransferOptions options;

    @Mixin
    SparkOptions sparkOptions;

    @Option(names = "--pipeline", paramLabel = "DIR",
            description = "Also save the fitted Spark ML pipeline (CnnCodes, label indexer, head) there, for"
                    + " cortado-spark classify or PipelineModel.load.")
    Path pipeline;

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
        var headSpec = options.headSpec();
        TrainValSplit split = options.split();
        if (Hdf5Data.holdsRows(split.train()) || Hdf5Data.holdsRows(split.val())) {
            // Spark's rows carry image files to decode on the executors; HDF5 rows are no files.
            throw new IllegalArgumentException("cortado-spark reads images, not HDF5 rows (the net's input as stored);"
                    + " cortado transfer reads them");
        }
        ModelDefaults defaults = options.defaults();
        out.println(defaults.describeSource());
        // The executors keep no parts store to resume from: Spark recomputes a lost partition itself.
        if (options.resume()) {
            throw new IllegalArgumentException("--resume: cortado-spark transfer has nothing to resume (a failed task"
                    + " is recomputed by Spark); run it again without --resume");
        }
        Transfer.Config config = options.config(defaults, headSpec);
        CodeExtractor.Options extraction = config.extraction();
        CnnCodes codes = SparkOptions.codes(spec.commandLine().getParseResult(), options.model(), options.weights(),
                options.device(), extraction);
        SparkSession spark = sparkOptions.session("cortado-spark transfer");
        // The driver only writes the export and runs its check on a few images: its CPU, whatever the executors use.
        try (Backend driver = Backends.select("cpu")) {
            SparkTransfer.Outcome outcome = SparkTransfer.run(spark, config, split, codes, driver, pipeline);
            Transfer.Summary r = outcome.summary();
            ObjectNode json = JsonTree.edit(Transfer.report(r, config, defaults.knownName(), "executors: "
                    + options.device() + "; driver: " + driver.device()));
            double wall = (System.nanoTime() - t0) / 1e9;
            ((ObjectNode) json.get("timings_seconds")).put("command", wall);
            ObjectNode s = json.putObject("spark");
            s.put("master", spark.sparkContext().master());
            s.put("spark_version", spark.version());
            s.put("default_parallelism", spark.sparkContext().defaultParallelism());
            s.put("executors", spark.sparkContext().getExecutorMemoryStatus().size() - (isLocal(spark) ? 0 : 1));
            s.put("pipeline", pipeline == null ? null : pipeline.toString());
            output.write(json, options.report(), options.model(), options.weights(), r.codes().weightsSha1(), out,
                    err);
            print(out, r, split, config);
            options.finish(out, r, wall);
        } finally {
            spark.stop();
        }
        return 0;
    }

    private static boolean isLocal(SparkSession spark) {
        return spark.sparkContext().isLocal();
    }

    private void print(PrintWriter out, Transfer.Summary r, TrainValSplit split, Transfer.Config config) {
        out.printf("codes: %s: %d values (on %s)%n", r.codes().describeCodes(), r.codes().dim(),
                sparkOptions.master);
        out.println("preprocessing: " + r.codes().input().describe());
        out.printf("train: %d of %d images, val: %d of %d images; codes as Parquet in %s%n",
                r.trainEvaluation().count(), split.train().size(),
                r.valEvaluation() == null ? 0 : r.valEvaluation().count(), split.val().size(), config.codesDir());
        if (!r.skipped().isEmpty()) {
            out.printf("skipped %d images without a code, e.g. %s (all in the report)%n", r.skipped().size(),
                    r.skipped().get(0));
        }
        Evaluation v = r.valEvaluation();
        out.printf("head: %s, C %.4g; train accuracy %.4f, val accuracy %s%n", r.head().spec().describe(),
                r.head().c(), r.trainEvaluation().accuracy(), v == null ? "-" : String.format("%.4f",
                        v.accuracy()));
        if (pipeline != null) {
            out.println("pipeline -> " + pipeline);
        }
    }
}

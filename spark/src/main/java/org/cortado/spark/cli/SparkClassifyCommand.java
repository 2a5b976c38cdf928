package org.cortado.spark.cli;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.feature.IndexToString;
import org.apache.spark.ml.feature.StringIndexerModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code cortado-spark classify}: a saved pipeline's predictions for every image under a folder, as Parquet. */
@Command(name = "classify", mixinStandardHelpOptions = true,
        description = "Predicts every image under a folder (recursively) with a pipeline saved by cortado-spark"
                + " transfer --pipeline, and writes path, class, prediction, codes_reason as Parquet.")
final class SparkClassifyCommand implements Callable<Integer> {
    @Option(names = "--pipeline", required = true, paramLabel = "DIR", description = "The saved pipeline.")
    Path pipeline;

    @Option(names = "--images", required = true, paramLabel = "DIR", description = "The folder of images.")
    Path images;

    @Option(names = "--out", required = true, paramLabel = "PREDICTIONS.parquet", description = "The Parquet folder.")
    Path out;

    @Option(names = "--show", defaultValue = "10", paramLabel = "N",
            description = "Predictions to print. Default: ${DEFAULT-VALUE}.")
    int show;

    @Mixin
    SparkOptions sparkOptions;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter pw = spec.commandLine().getOut();
        SparkSession spark = sparkOptions.session("cortado-spark classify");
        try {
            PipelineModel model = PipelineModel.load(pipeline.toString());
            String[] classes = Arrays.stream(model.stages()).filter(StringIndexerModel.class::isInstance)
                    .map(t -> ((StringIndexerModel) t).labelsArray()[0]).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException(pipeline + ": no label indexer among its stages "
                            + Arrays.toString(Arrays.stream(model.stages()).map(Transformer::uid).toArray())));
            Dataset<Row> files = spark.read().format("binaryFile").option("recursiveFileLookup", "true")
                    .load(images.toString());
            // Codes once; the head's stages only on the rows that have one.
            Dataset<Row> codes = model.stages()[0].transform(files).drop("content").cache();
            Dataset<Row> scored = codes.filter(col("codes").isNotNull());
            for (int i = 1; i < model.stages().length; i++) {
                scored = model.stages()[i].transform(scored);
            }
            Dataset<Row> predicted = new IndexToString().setInputCol("prediction").setOutputCol("class")
                    .setLabels(classes).transform(scored).select("path", "class", "prediction");
            Dataset<Row> failed = codes.filter(col("codes").isNull()).select("path", "codes_reason");
            Dataset<Row> all = predicted.withColumn("codes_reason", lit(null).cast("string"))
                    .unionByName(failed.withColumn("class", lit(null).cast("string"))
                            .withColumn("prediction", lit(null).cast("double")))
                    .orderBy("path").cache();
            all.write().mode(SaveMode.Overwrite).parquet(out.toString());
            List<Row> first = all.limit(show).collectAsList();
            for (Row r : first) {
                pw.printf("%s\t%s%n", org.cortado.spark.ImageRows.localPath(r.getString(0)), r.isNullAt(1) ? "no code: "
                        + r.getString(3) : r.getString(1));
            }
            pw.printf("%d images -> %s (%d without a code)%n", all.count(), out, all.filter(col("class").isNull())
                    .count());
        } finally {
            spark.stop();
        }
        return 0;
    }
}

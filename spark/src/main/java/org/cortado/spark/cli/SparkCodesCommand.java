package org.cortado.spark.cli;

import static org.apache.spark.sql.functions.col;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.cortado.cli.DataOptions;
import org.cortado.cli.DeviceOption;
import org.cortado.cli.ModelDefaults;
import org.cortado.data.DataSource;
import org.cortado.data.ImageDataset;
import org.cortado.spark.CnnCodes;
import org.cortado.spark.ImageRows;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code cortado-spark codes}: the codes of a data set, computed by the executors, as Parquet. */
@Command(name = "codes", mixinStandardHelpOptions = true,
        description = "CNN codes of every image of a data set (image folders or a list file), computed by the"
                + " executors, written as Parquet: path, label (class name), codes (an MLlib vector), codes_reason"
                + " (why an image has no code), codes_warning (the decoder's warning for an image used despite damage).")
final class SparkCodesCommand implements Callable<Integer> {
    @Mixin
    ModelDefaults.CodeArguments code;

    @Mixin
    DeviceOption device;

    @Option(names = "--data", required = true, paramLabel = "SOURCE",
            description = "The images: a folder with one subfolder per class, or a Caffe list file.")
    String data;

    @Option(names = "--out", required = true, paramLabel = "CODES.parquet", description = "The Parquet folder.")
    Path out;

    @Mixin
    DataOptions dataOptions;

    @Mixin
    SparkOptions sparkOptions;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        return dataOptions.run(this::run);
    }

    private Integer run() {
        PrintWriter pw = spec.commandLine().getOut();
        long t0 = System.nanoTime();
        ModelDefaults d = code.defaults();
        pw.println(d.describeSource());
        DataSource source = DataSource.parse(data);
        if (source instanceof DataSource.Hdf5) {
            // Spark's rows carry image files to decode on the executors; HDF5 rows are no files.
            throw new IllegalArgumentException("--data " + data + ": cortado-spark reads images, not HDF5 rows (the "
                    + "net's input as stored); cortado codes reads them");
        }
        ImageDataset set = source.open(null);
        CnnCodes stage = SparkOptions.codes(spec.commandLine().getParseResult(), code.model(), code.weights(),
                device.device(), dataOptions.extractorOptions(d.input()));
        SparkSession spark = sparkOptions.session("cortado-spark codes");
        long t1 = System.nanoTime();
        try {
            Dataset<Row> codes = stage.transform(ImageRows.of(spark, set))
                    .select(ImageRows.PATH, ImageRows.LABEL, "codes", "codes_reason", "codes_warning");
            codes.write().mode(SaveMode.Overwrite).parquet(out.toString());
            long t2 = System.nanoTime();
            Dataset<Row> written = spark.read().parquet(out.toString());
            long rows = written.count();
            long missing = written.filter(col("codes").isNull()).count();
            long warned = written.filter(col("codes_warning").isNotNull()).count();
            double session = (t1 - t0) / 1e9;
            double work = (t2 - t1) / 1e9;
            pw.printf("codes of %d of %d images -> %s (%d without a code, reasons in codes_reason)%n", rows - missing,
                    set.size(), out, missing);
            if (warned > 0) {
                pw.printf("decoded with warnings: %d image(s), the decoder's words in codes_warning%n", warned);
            }
            pw.printf("on %s: start %.1f s, codes %.1f s (%.1f img/s)%n", sparkOptions.master, session, work,
                    rows / work);
        } finally {
            spark.stop();
        }
        return 0;
    }
}

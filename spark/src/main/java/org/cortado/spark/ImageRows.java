package org.cortado.spark;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.lit;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.cortado.data.ImageDataset;
import org.cortado.data.LabeledImage;

/**
 * A data set listed on the driver (image folders or a Caffe list file, as the CLI lists them) as Spark rows:
 * {@code index} (its place in the listing), {@code path} (as Spark's {@code binaryFile} source names files),
 * {@code label} (the class name) and {@code content} (the file's bytes, read by the executors through
 * {@code binaryFile} from the folders that hold the images). A listed file that the source did not read keeps its
 * row with null content, so that it is reported rather than lost. Duplicate listings of one file are not merged.
 */
public final class ImageRows {
    public static final String INDEX = "index";
    public static final String PATH = "path";
    public static final String LABEL = "label";
    public static final String CONTENT = "content";

    /** The columns of the rows. */
    public static final StructType SCHEMA = new StructType().add(INDEX, DataTypes.LongType, false)
            .add(PATH, DataTypes.StringType, false).add(LABEL, DataTypes.StringType, false)
            .add(CONTENT, DataTypes.BinaryType, true);

    private ImageRows() {
    }

    /** A local file as {@code binaryFile} names it (a Hadoop path URI, {@code file:/a/b.jpg}). */
    public static String sparkPath(java.nio.file.Path file) {
        return new Path(file.toAbsolutePath().normalize().toUri()).toString();
    }

    /** A {@code binaryFile} path back as a local path (for the driver's reports and export check). */
    public static java.nio.file.Path localPath(String sparkPath) {
        return java.nio.file.Path.of(new Path(sparkPath).toUri().getPath());
    }

    /**
     * The rows of {@code set}.
     *
     * @throws IllegalArgumentException for a data set whose images are records of a database (LMDB), which Spark's
     *                                  file sources do not read
     */
    public static Dataset<Row> of(SparkSession spark, ImageDataset set) {
        List<Row> listing = new ArrayList<>(set.size());
        Set<String> folders = new LinkedHashSet<>();
        for (int i = 0; i < set.size(); i++) {
            LabeledImage s = set.samples().get(i);
            if (s.stored() != null) {
                throw new IllegalArgumentException(s.file() + ": on Spark, images are files (image folders or a list"
                        + " file), not records of a database");
            }
            java.nio.file.Path file = s.file().toAbsolutePath().normalize();
            listing.add(RowFactory.create((long) i, sparkPath(file), set.classes().get(s.label())));
            folders.add(file.getParent().toString());
        }
        StructType schema = new StructType().add(INDEX, DataTypes.LongType, false).add(PATH, DataTypes.StringType,
                false).add(LABEL, DataTypes.StringType, false);
        Dataset<Row> files = spark.createDataFrame(listing, schema);
        if (folders.isEmpty()) {
            return files.withColumn(CONTENT, lit(null).cast(DataTypes.BinaryType));
        }
        Dataset<Row> read = spark.read().format("binaryFile").load(folders.toArray(String[]::new));
        // The listing is broadcast to the readers: no shuffle, and the rows keep binaryFile's partitions (a few
        // files' worth of bytes each). An inner join drops listed files the source did not read; they are found from
        // the paths alone (binaryFile reads no content for them) and put back with null content.
        Dataset<Row> rows = read.select(PATH, CONTENT).join(broadcast(files), PATH)
                .select(INDEX, PATH, LABEL, CONTENT);
        long found = read.select(PATH).join(broadcast(files.select(PATH)), PATH).count();
        if (found == listing.size()) {
            return rows;
        }
        Dataset<Row> missing = files.join(read.select(PATH), files.col(PATH).equalTo(read.col(PATH)), "left_anti")
                .withColumn(CONTENT, lit(null).cast(DataTypes.BinaryType));
        return rows.unionByName(missing);
    }
}

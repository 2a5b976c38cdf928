package org.cortado.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.regexp_extract;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.classification.LinearSVC;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * What CnnCodes and the pipeline must do on any master: the subclasses run these cases in {@code local[2]} (tasks
 * in this JVM) and {@code local-cluster[2,1,2048]} (two executor JVMs), one session per class.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class SparkCodesCases {
    @TempDir
    static Path tmp;

    SparkSession spark;

    abstract String master();

    @BeforeAll
    void start() {
        spark = LocalCluster.session(master(), getClass().getSimpleName());
    }

    @AfterAll
    void stop() {
        if (spark != null) {
            spark.stop();
        }
    }

    /** binaryFile rows of a folder tree of class folders, with the class name in {@code label}. */
    Dataset<Row> images(Path root) {
        return spark.read().format("binaryFile").option("recursiveFileLookup", "true").load(root.toString())
                .withColumn("label", regexp_extract(col("path"), "/([^/]+)/[^/]+$", 1));
    }

    @Test
    void codesOfEveryImageEqualTheSingleMachineCodes() {
        Map<String, float[]> reference = Hymenoptera.reference(tmp);
        Dataset<Row> codes = Hymenoptera.codes().transform(images(Hymenoptera.train())
                .union(images(Hymenoptera.val())));
        // The reference as a table, joined on path with Spark's rows.
        StructType schema = new StructType().add("path", DataTypes.StringType)
                .add("expected", DataTypes.createArrayType(DataTypes.FloatType));
        List<Row> ref = new ArrayList<>();
        reference.forEach((path, v) -> {
            Float[] boxed = new Float[v.length];
            for (int i = 0; i < v.length; i++) {
                boxed[i] = v[i];
            }
            ref.add(RowFactory.create(path, boxed));
        });
        List<Row> joined = codes.select("path", "codes", "codes_reason")
                .join(spark.createDataFrame(ref, schema), "path").orderBy("path").collectAsList();
        assertEquals(398, reference.size());
        assertEquals(reference.size(), joined.size(), "every image joined once on its path");
        double maxDiff = 0;
        for (Row r : joined) {
            assertNull(r.get(2), () -> r.getString(0) + " gave no code: " + r.get(2));
            double[] got = ((Vector) r.get(1)).toArray();
            List<Float> want = r.getList(3);
            assertEquals(want.size(), got.length);
            for (int i = 0; i < got.length; i++) {
                maxDiff = Math.max(maxDiff, Math.abs(got[i] - want.get(i)));
            }
        }
        assertTrue(maxDiff <= 1e-5, "largest difference " + maxDiff);
    }

    @Test
    void anUndecodableFileGetsANullCodeAndItsReason() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("mixed-" + getClass().getSimpleName()));
        Path good = Files.list(Hymenoptera.val().resolve("ants")).sorted().findFirst().orElseThrow();
        Files.copy(good, dir.resolve("good.jpg"));
        Files.write(dir.resolve("broken.jpg"), "this is not a JPEG".getBytes());
        byte[] jpeg = Files.readAllBytes(good);
        Files.write(dir.resolve("header-only.jpg"), Arrays.copyOf(jpeg, 20));
        // Cut after 60% of its bytes: libjpeg fills in the missing rows and warns, and the image is used.
        Files.write(dir.resolve("cut.jpg"), Arrays.copyOf(jpeg, jpeg.length * 6 / 10));
        // Rows as binaryFile gives them, and two it never gives: empty bytes and none at all.
        Dataset<Row> files = spark.read().format("binaryFile").load(dir.toString()).select("path", "content");
        StructType schema = files.schema();
        Dataset<Row> rows = files.union(spark.createDataFrame(List.of(RowFactory.create("file:/made/empty.jpg",
                new byte[0]), RowFactory.create("file:/made/none.jpg", null)), schema));
        Map<String, Row> byName = new HashMap<>();
        for (Row r : Hymenoptera.codes().transform(rows).select("path", "codes", "codes_reason", "codes_warning")
                .collectAsList()) {
            byName.put(r.getString(0).substring(r.getString(0).lastIndexOf('/') + 1), r);
        }
        assertEquals(Set.of("good.jpg", "broken.jpg", "header-only.jpg", "cut.jpg", "empty.jpg", "none.jpg"),
                byName.keySet());
        assertNotNull(byName.get("good.jpg").get(1));
        assertNull(byName.get("good.jpg").get(2));
        assertNull(byName.get("good.jpg").get(3));
        assertNotNull(byName.get("cut.jpg").get(1), "a truncated JPEG is used");
        assertNull(byName.get("cut.jpg").get(2));
        assertTrue(byName.get("cut.jpg").getString(3) != null && !byName.get("cut.jpg").getString(3).isBlank(),
                "and carries the decoder's warning: " + byName.get("cut.jpg"));
        for (String bad : List.of("broken.jpg", "header-only.jpg", "empty.jpg", "none.jpg")) {
            Row r = byName.get(bad);
            assertNull(r.get(1), bad);
            assertNotNull(r.get(2), bad);
            assertNull(r.get(3), bad);
            assertTrue(!r.getString(2).isBlank(), bad);
        }
        assertEquals("empty file", byName.get("empty.jpg").getString(2));
        assertEquals("no bytes (null content)", byName.get("none.jpg").getString(2));
    }

    @Test
    void thePipelineSavesLoadsAndPredictsTheSame() throws IOException {
        Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {Hymenoptera.codes(),
                new StringIndexer().setInputCol("label").setOutputCol("label_index"),
                new LinearSVC().setFeaturesCol("codes").setLabelCol("label_index").setRegParam(0.01)});
        // Every third image: persistence is the point here, not accuracy.
        PipelineModel fitted = pipeline.fit(images(Hymenoptera.every(Hymenoptera.train(), 3, tmp.resolve("train3"))));
        Path valDir = Hymenoptera.every(Hymenoptera.val(), 3, tmp.resolve("val3"));
        Dataset<Row> val = images(valDir).cache();
        List<Row> before = fitted.transform(val).select("path", "prediction", "label_index").orderBy("path")
                .collectAsList();
        Path saved = tmp.resolve("pipeline-" + getClass().getSimpleName());
        fitted.save(saved.toString());
        PipelineModel loaded = PipelineModel.load(saved.toString());
        List<Row> after = loaded.transform(val).select("path", "prediction", "label_index").orderBy("path")
                .collectAsList();
        assertEquals(org.cortado.data.ImageFolders.scan(valDir).size(), before.size());
        assertEquals(before, after);
        long right = before.stream().filter(r -> r.getDouble(1) == r.getDouble(2)).count();
        assertTrue(right >= 0.8 * before.size(), right + " of " + before.size() + " right");
        assertEquals(CnnCodes.class, loaded.stages()[0].getClass());
        assertEquals(Hymenoptera.LAYER, ((CnnCodes) loaded.stages()[0]).getOrDefault(
                ((CnnCodes) loaded.stages()[0]).layer()));
        val.unpersist();
    }
}

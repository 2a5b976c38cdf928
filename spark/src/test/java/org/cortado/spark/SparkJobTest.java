package org.cortado.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.cortado.backend.Backend;
import org.cortado.backend.Backends;
import org.cortado.cli.Main;
import org.cortado.data.Batch;
import org.cortado.data.BatchLoader;
import org.cortado.data.ImageDataset;
import org.cortado.data.ImageFolders;
import org.cortado.image.ImageTransformer;
import org.cortado.spark.cli.SparkMain;
import org.cortado.transfer.ExportedModel;
import org.cortado.transfer.InputRecipe;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cortado-spark transfer}, {@code classify} and {@code codes} end to end in {@code local[2]} on every third
 * ants/bees image: the report has every key of {@code cortado transfer}'s, the exported Caffe model run by core's net
 * predicts what the saved Spark pipeline predicts, and classify gives the pipeline's classes.
 */
class SparkJobTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path tmp;
    static Path train;
    static Path val;

    @BeforeAll
    static void subset() throws IOException {
        train = Hymenoptera.every(Hymenoptera.train(), 3, tmp.resolve("train"));
        val = Hymenoptera.every(Hymenoptera.val(), 3, tmp.resolve("val"));
    }

    private static String[] transferArgs(String... more) {
        List<String> a = new ArrayList<>(List.of("transfer", "--model", Hymenoptera.model().toString(), "--weights",
                Hymenoptera.weights().toString(), "--layer", Hymenoptera.LAYER, "--train", train.toString(), "--val",
                val.toString(), "--head", "svm", "--quiet"));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    @Test
    void transferReportsAsTheCliDoesAndItsExportPredictsAsThePipeline() throws IOException {
        Path report = tmp.resolve("spark.json");
        Path export = tmp.resolve("export");
        Path pipeline = tmp.resolve("pipeline");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = SparkMain.run(transferArgs("--master", "local[2]", "--report", report.toString(), "--export",
                export.toString(), "--pipeline", pipeline.toString()), new PrintWriter(out, true),
                new PrintWriter(err, true));
        assertEquals(0, status, out + "\n" + err);
        Path cliReport = tmp.resolve("cli.json");
        StringWriter cliErr = new StringWriter();
        assertEquals(0, Main.run(transferArgs("--report", cliReport.toString()), new PrintWriter(new StringWriter()),
                new PrintWriter(cliErr)), cliErr::toString);
        JsonNode spark = JSON.readTree(report.toFile());
        JsonNode cli = JSON.readTree(cliReport.toFile());
        Set<String> missing = new TreeSet<>(keys(cli));
        missing.removeAll(keys(spark));
        assertEquals(Set.of(), missing, "keys of cortado transfer's report that the Spark report lacks");
        int nTrain = ImageFolders.scan(train).size();
        int nVal = ImageFolders.scan(val).size();
        assertEquals(nTrain, spark.get("n_train").asInt());
        assertEquals(nVal, spark.get("n_val").asInt());
        assertTrue(spark.get("val_accuracy").asDouble() >= 0.85, spark.get("val_accuracy").toString());
        assertTrue(spark.get("export").get("check").get("passed").asBoolean());

        // The export, run by core's net on every validation image, against the saved pipeline's predictions.
        Map<String, Double> byPipeline = new HashMap<>();
        SparkSession session = LocalCluster.session("local[2]", "export-check");
        try {
            PipelineModel model = PipelineModel.load(pipeline.toString());
            ImageDataset valSet = ImageFolders.scan(val);
            for (Row r : model.transform(ImageRows.of(session, valSet)).select("path", "prediction")
                    .collectAsList()) {
                byPipeline.put(r.getString(0), r.getDouble(1));
            }
            InputRecipe input = Hymenoptera.codes().settings().resolve().input();
            int compared = 0;
            try (Backend cpu = Backends.select("cpu");
                    BatchLoader loader = BatchLoader.of(valSet.samples(), new ImageTransformer(
                            input.loaderTransform()), 16, 2)) {
                ExportedModel exported = ExportedModel.load(export, input, cpu);
                while (loader.hasNext()) {
                    Batch b = loader.next();
                    int[] predicted = ExportedModel.argmax(exported.probabilities(b.data()));
                    for (int i = 0; i < b.size(); i++) {
                        String path = ImageRows.sparkPath(b.files().get(i));
                        assertEquals(byPipeline.get(path), (double) predicted[i], path);
                        compared++;
                    }
                }
            }
            assertEquals(nVal, compared);
        } finally {
            session.stop();
        }

        // classify with the saved pipeline gives its classes.
        Path predictions = tmp.resolve("predictions.parquet");
        StringWriter cout = new StringWriter();
        assertEquals(0, SparkMain.run(new String[] {"classify", "--master", "local[2]", "--pipeline",
            pipeline.toString(), "--images", val.toString(), "--out", predictions.toString()},
                new PrintWriter(cout, true), new PrintWriter(err, true)), err::toString);
        assertTrue(cout.toString().contains(nVal + " images -> "), cout.toString());
    }

    @Test
    void aBadLayerIsOneLineNamingIt() {
        StringWriter err = new StringWriter();
        int status = SparkMain.run(new String[] {"codes", "--master", "local[1]", "--model",
            Hymenoptera.model().toString(), "--weights", Hymenoptera.weights().toString(), "--layer", "fire99/concat",
            "--data", val.toString(), "--out", tmp.resolve("x.parquet").toString()},
                new PrintWriter(new StringWriter()), new PrintWriter(err, true));
        assertEquals(Main.EXIT_FAILURE, status);
        String[] lines = err.toString().strip().split("\n");
        assertTrue(lines[lines.length - 1].startsWith("cortado-spark codes: ") && err.toString().contains(
                "fire99/concat"), err.toString());
    }

    @Test
    void resumeIsRefusedBeforeAnyWorkNotIgnored() {
        StringWriter err = new StringWriter();
        Path report = tmp.resolve("resume.json");
        int status = SparkMain.run(new String[] {"transfer", "--master", "local[1]", "--model",
            Hymenoptera.model().toString(), "--weights", Hymenoptera.weights().toString(), "--layer", "fire9/concat",
            "--head", "softmax", "--data", val.toString(), "--report", report.toString(), "--resume"},
                new PrintWriter(new StringWriter()), new PrintWriter(err, true));
        assertEquals(Main.EXIT_FAILURE, status);
        String[] lines = err.toString().strip().split("\n");
        assertEquals(1, lines.length, err.toString());
        assertTrue(lines[0].startsWith("cortado-spark transfer: --resume: "), err.toString());
        assertFalse(Files.exists(report), "no report for a refused run");
    }

    @Test
    void hdf5SourcesAreRefusedInOneLine() throws Exception {
        Path h5 = tmp.resolve("rows.h5");
        org.cortado.testing.Hdf5Files.write(h5, java.util.Map.of("data", new float[2][3][8][8], "label",
                new float[] {0, 1}));
        String[][] runs = {{"codes", "--out", tmp.resolve("h5.parquet").toString(), "--data", h5.toString()},
            {"transfer", "--head", "softmax", "--report", tmp.resolve("h5.json").toString(), "--train", h5.toString(),
                "--val", h5.toString()}};
        for (String[] run : runs) {
            StringWriter err = new StringWriter();
            String[] args = concat(new String[] {run[0], "--master", "local[1]", "--model",
                Hymenoptera.model().toString(), "--weights", Hymenoptera.weights().toString(), "--layer",
                "fire9/concat"}, java.util.Arrays.copyOfRange(run, 1, run.length));
            int status = SparkMain.run(args, new PrintWriter(new StringWriter()), new PrintWriter(err, true));
            assertEquals(Main.EXIT_FAILURE, status, err.toString());
            String[] lines = err.toString().strip().split("\n");
            assertEquals(1, lines.length, err.toString());
            assertTrue(lines[0].startsWith("cortado-spark " + run[0] + ": ") && lines[0].contains(
                    "cortado-spark reads images, not HDF5 rows"), err.toString());
        }
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static Set<String> keys(JsonNode n) {
        Set<String> s = new TreeSet<>();
        n.fieldNames().forEachRemaining(s::add);
        return s;
    }
}

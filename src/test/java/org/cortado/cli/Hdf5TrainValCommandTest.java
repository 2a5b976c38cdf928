package org.cortado.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.cortado.data.ImageDataset;
import org.cortado.data.ImageFolders;
import org.cortado.image.ImageTransformer;
import org.cortado.image.ResizeMode;
import org.cortado.image.TransformSpec;
import org.cortado.testing.Hdf5Files;
import org.cortado.testing.TinyImages;
import org.cortado.testing.TinyNets;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tiny image set as HDF5Data keeps it: each image transformed (resized to 8x8, minus 128, times 1/64) into a row
 * of an HDF5 file written here, named by a train_val's HDF5Data layers and fine-tuned with {@code finetune
 * --train-val}: the same run, to the bit, as on the image folders with that transform; and the refusals.
 */
class Hdf5TrainValCommandTest {
    @TempDir
    static Path dir;

    /** The transform the rows were written with: 8x8, minus 128, times 1/64. */
    static final TransformSpec TRANSFORM = new TransformSpec(new ResizeMode.ShorterSide(8), 8, 8, false, false,
            new float[] {128}, null, 0.015625f);

    @BeforeAll
    static void material() throws Exception {
        tinyRows(dir);
        Files.writeString(dir.resolve("train_val.prototxt"), trainVal("train_h5.txt", "val_h5.txt", ""));
    }

    /**
     * The tiny images ({@code data/train}, {@code data/val}), net and weights in {@code dir}, and the images as HDF5
     * rows: {@code h5/train.h5}, {@code h5/val.h5}, listed by {@code train_h5.txt} and {@code val_h5.txt}.
     */
    static void tinyRows(Path dir) throws Exception {
        TinyImages.write(dir.resolve("data"), 12, 6, 5);
        Files.writeString(dir.resolve("tiny.prototxt"), TinyNets.DEPLOY);
        TinyImages.writeTinyWeights(dir.resolve("tiny.caffemodel"), 9);
        for (String split : List.of("train", "val")) {
            writeRows(ImageFolders.scan(dir.resolve("data/" + split)), dir.resolve("h5/" + split + ".h5"));
            Files.writeString(dir.resolve(split + "_h5.txt"), "h5/" + split + ".h5\n");
        }
    }

    /** The images of {@code set}, transformed, as rows of {@code file}'s "data", their classes as its "label". */
    private static void writeRows(ImageDataset set, Path file) throws Exception {
        writeRows(set, file, false, "data", "label");
    }

    /** As above; {@code oneHot}: each label as a one-hot row of the class count; the datasets named as given. */
    static void writeRows(ImageDataset set, Path file, boolean oneHot, String dataName, String labelName)
            throws Exception {
        ImageTransformer t = new ImageTransformer(TRANSFORM);
        float[][][][] data = new float[set.size()][3][8][8];
        float[] label = new float[set.size()];
        float[][] hot = new float[set.size()][set.classes().size()];
        for (int i = 0; i < set.size(); i++) {
            float[] chw = t.apply(set.samples().get(i).decode().image(), 0);
            for (int k = 0; k < chw.length; k++) {
                data[i][k / 64][k / 8 % 8][k % 8] = chw[k];
            }
            label[i] = set.samples().get(i).label();
            hot[i][set.samples().get(i).label()] = 1;
        }
        Hdf5Files.write(file, Map.of(dataName, data, labelName, oneHot ? hot : label));
    }

    private static String trainVal(String train, String test, String extra) {
        String layer = "layer { name: \"h5\" type: \"HDF5Data\" top: \"data\" top: \"label\" include { phase: %s } "
                + "hdf5_data_param { source: \"%s\" batch_size: 5 shuffle: true } %s}\n";
        return "name: \"tiny\"\n" + layer.formatted("TRAIN", train, extra) + layer.formatted("TEST", test, "");
    }

    @Test
    void oneHotTargetsTrainUnderTheTrainValsSigmoidOrEuclideanLoss() throws Exception {
        for (String split : List.of("train", "val")) {
            writeRows(ImageFolders.scan(dir.resolve("data/" + split)), dir.resolve("h5/" + split + "_hot.h5"), true,
                    "data", "label");
            Files.writeString(dir.resolve(split + "_hot.txt"), "h5/" + split + "_hot.h5\n");
        }
        for (String loss : List.of("SigmoidCrossEntropyLoss", "EuclideanLoss")) {
            Path tv = Files.writeString(dir.resolve(loss + ".prototxt"), trainVal("train_hot.txt", "val_hot.txt", "")
                    + "layer { name: \"loss\" type: \"" + loss + "\" bottom: \"pool_final\" bottom: \"label\" "
                    + "top: \"loss\" }\n");
            List<String> args = common(loss + ".json");
            args.addAll(List.of("--train-val", tv.toString(), "--html", dir.resolve(loss + ".html").toString()));
            var r = CliTestSupport.run(args.toArray(String[]::new));
            assertEquals(0, r.status(), r.toString());
            boolean sigmoid = loss.startsWith("Sigmoid");
            assertTrue(r.out().contains("conv_final replaced by conv_final_ft (2 outputs for the 2 targets per row, "
                    + "trained under " + loss + " as 'loss' of " + tv + ")"), r.out());
            assertTrue(r.out().contains(sigmoid ? "linear probe: logistic regression per label"
                    : "linear probe: ridge regression"), r.out());
            assertTrue(r.out().contains(sigmoid ? "epoch 2/2: val mean label accuracy " : "epoch 2/2: val MSE "),
                    r.out());
            assertTrue(r.out().contains("argmax accuracy"), r.out());
            JsonNode json = new ObjectMapper().readTree(dir.resolve(loss + ".json").toFile());
            assertEquals(sigmoid ? "sigmoid_cross_entropy" : "euclidean", json.get("objective").asText());
            JsonNode m = json.get("val_targets");
            assertEquals(12, m.get("rows").asInt());
            if (sigmoid) {
                assertTrue(m.get("mean_label_accuracy").asDouble() > m.get("baseline_mean_label_accuracy").asDouble(),
                        m.toString());
            } else {
                assertTrue(m.get("mse").asDouble() < m.get("baseline_mse").asDouble(), m.toString());
            }
            String html = Files.readString(dir.resolve(loss + ".html"));
            assertTrue(html.contains(sigmoid ? "predicting each label&#39;s majority" : "predicting the training mean")
                    || html.contains(sigmoid ? "predicting each label's majority" : "predicting the training mean"),
                    "the page shows the baseline");
        }
    }

    private static List<String> common(String report) {
        return new ArrayList<>(List.of("finetune", "--model", dir.resolve("tiny.prototxt").toString(), "--weights",
                dir.resolve("tiny.caffemodel").toString(), "--replace", "conv_final", "--epochs", "2", "--seed", "4",
                "--threads", "1", "--report", dir.resolve(report).toString()));
    }

    @Test
    void hdf5TrainValFineTunesAsTheImageFoldersDoAndLearns() throws Exception {
        List<String> folders = common("folders.json");
        folders.addAll(List.of("--train", dir.resolve("data/train").toString(), "--val",
                dir.resolve("data/val").toString(), "--batch", "5", "--resize-shorter", "8", "--crop", "8",
                "--no-mirror", "--mean-values", "128", "--scale", "0.015625"));
        var f = CliTestSupport.run(folders.toArray(String[]::new));
        assertEquals(0, f.status(), f.toString());
        List<String> h5 = common("h5.json");
        h5.addAll(List.of("--train-val", dir.resolve("train_val.prototxt").toString(), "--html",
                dir.resolve("h5.html").toString()));
        var r = CliTestSupport.run(h5.toArray(String[]::new));
        assertEquals(0, r.status(), r.toString());
        assertTrue(r.out().contains("data: TRAIN layer 'h5' hdf5:" + dir.resolve("train_h5.txt")
                + " (rows as stored, no transform, batch 5)"), r.out());
        JsonNode want = new ObjectMapper().readTree(dir.resolve("folders.json").toFile());
        JsonNode got = new ObjectMapper().readTree(dir.resolve("h5.json").toFile());
        assertEquals(24, got.get("n_train").asInt());
        assertEquals(12, got.get("n_val").asInt());
        // The same inputs in the same order with the same draws: the same losses and accuracies, to the bit.
        assertEquals(want.get("history").toString().replaceAll("\"seconds\":[0-9.E-]+", ""),
                got.get("history").toString().replaceAll("\"seconds\":[0-9.E-]+", ""));
        assertEquals(want.get("iteration_log").get(0).get("loss").toString(),
                got.get("iteration_log").get(0).get("loss").toString());
        // The HTML page is drawn for rows that are no image files.
        assertTrue(Files.size(dir.resolve("h5.html")) > 1000, "an HTML page");
        // And it learns: stripes are told apart far better than by chance.
        assertTrue(got.get("val_accuracy").asDouble() >= 0.75, got.toString());
    }

    @Test
    void hdf5RowsAsTrainAndValFineTuneAsTheTrainValsHdf5DataLayersDo() throws Exception {
        List<String> tv = common("tv.json");
        tv.addAll(List.of("--train-val", dir.resolve("train_val.prototxt").toString()));
        assertEquals(0, CliTestSupport.run(tv.toArray(String[]::new)).status());
        List<String> rows = common("rows.json");
        rows.addAll(List.of("--train", dir.resolve("h5/train.h5").toString(), "--val",
                "hdf5:" + dir.resolve("val_h5.txt"), "--batch", "5"));
        var r = CliTestSupport.run(rows.toArray(String[]::new));
        assertEquals(0, r.status(), r.toString());
        assertTrue(r.out().contains("data: hdf5:" + dir.resolve("h5/train.h5") + ", val hdf5:"
                + dir.resolve("val_h5.txt") + " (rows as stored, no transform)"), r.out());
        JsonNode want = new ObjectMapper().readTree(dir.resolve("tv.json").toFile());
        JsonNode got = new ObjectMapper().readTree(dir.resolve("rows.json").toFile());
        assertEquals(want.get("history").toString().replaceAll("\"seconds\":[0-9.E-]+", ""),
                got.get("history").toString().replaceAll("\"seconds\":[0-9.E-]+", ""));
    }

    @Test
    void badHdf5SetupsAreOneLineErrors() throws Exception {
        // Multi-label targets: the fine-tuner trains a softmax classifier.
        Hdf5Files.write(dir.resolve("h5/vector.h5"), Map.of("data", new float[2][3][8][8], "label",
                new float[][] {{0, 1}, {1, 0}}));
        Files.writeString(dir.resolve("vector.txt"), "h5/vector.h5");
        Path vector = Files.writeString(dir.resolve("vector.prototxt"), trainVal("vector.txt", "val_h5.txt", ""));
        List<String> a = common("bad.json");
        a.addAll(List.of("--train-val", vector.toString()));
        FoundationCommandsTest.assertOneLineError(CliTestSupport.run(a.toArray(String[]::new)), "vector.h5",
                "'label' is 2 x 2", "one class index per row");
        // A transform_param, as Caffe refuses it.
        Path transform = Files.writeString(dir.resolve("transform.prototxt"), trainVal("train_h5.txt", "val_h5.txt",
                "transform_param { mirror: true } "));
        List<String> b = common("bad.json");
        b.addAll(List.of("--train-val", transform.toString()));
        FoundationCommandsTest.assertOneLineError(CliTestSupport.run(b.toArray(String[]::new)), "layer 'h5'",
                "HDF5Data does not transform data");
        // Rows whose channels are not the net's.
        Hdf5Files.write(dir.resolve("h5/gray.h5"), Map.of("data", new float[2][1][8][8], "label", new float[] {0, 1}));
        Files.writeString(dir.resolve("gray.txt"), "h5/gray.h5");
        Path gray = Files.writeString(dir.resolve("gray.prototxt"), trainVal("gray.txt", "gray.txt", ""));
        List<String> c = common("bad.json");
        c.addAll(List.of("--train-val", gray.toString()));
        FoundationCommandsTest.assertOneLineError(CliTestSupport.run(c.toArray(String[]::new)), "gray.h5",
                "rows of 1 x 8 x 8 for the net's input 'data', which takes 3 channels");
        // --train/--val HDF5 rows take no transform options, nor go beside images.
        List<String> d = common("bad.json");
        d.addAll(List.of("--train", dir.resolve("h5/train.h5").toString(), "--val", dir.resolve("h5/val.h5").toString(),
                "--crop", "8"));
        var crop = CliTestSupport.run(d.toArray(String[]::new));
        assertEquals(1, crop.err().strip().lines().count(), crop.toString());
        assertTrue(crop.status() != 0 && crop.err().contains("hdf5:" + dir.resolve("h5/train.h5") + ": HDF5 rows are "
                + "the net's input as stored; --resize"), crop.toString());
        List<String> e = common("bad.json");
        e.addAll(List.of("--train", dir.resolve("h5/train.h5").toString(), "--val", dir.resolve("data/val").toString()));
        var mixed = CliTestSupport.run(e.toArray(String[]::new));
        assertEquals(1, mixed.err().strip().lines().count(), mixed.toString());
        assertTrue(mixed.status() != 0 && mixed.err().contains("give both sets as HDF5 rows or both as images"),
                mixed.toString());
        assertTrue(Files.notExists(dir.resolve("bad.json")));
    }
}

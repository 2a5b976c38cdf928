package org.cortado.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.cortado.testing.TinyImages;
import org.cortado.testing.TinyNets;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tiny image set as Caffe keeps data: LMDBs and list files written by {@code convert-imageset}, named by a
 * train_val's Data and ImageData layers, fine-tuned with {@code finetune --train-val} and coded with {@code codes}:
 * the same run, to the bit, as on the image folders with the same transform.
 */
class CaffeDataSourcesCommandTest {
    @TempDir
    static Path dir;

    private static final String TRANSFORM = "transform_param { mirror: %s crop_size: 8 mean_value: 128 "
            + "scale: 0.015625 }";

    @BeforeAll
    static void material() throws Exception {
        TinyImages.write(dir.resolve("data"), 12, 6, 5);
        Files.writeString(dir.resolve("tiny.prototxt"), TinyNets.DEPLOY);
        TinyImages.writeTinyWeights(dir.resolve("tiny.caffemodel"), 9);
        for (String split : List.of("train", "val")) {
            var r = CliTestSupport.run("convert-imageset", "--images", dir.resolve("data/" + split).toString(),
                    "--encoded", "--lmdb", dir.resolve(split + "_lmdb").toString(), "--list",
                    dir.resolve(split + ".txt").toString());
            assertEquals(0, r.status(), r.toString());
            assertTrue(r.out().contains("records (encoded files)"), r.out());
        }
        Files.writeString(dir.resolve("lmdb_train_val.prototxt"), trainVal(
                "type: \"Data\" data_param { source: \"train_lmdb\" batch_size: 5 backend: LMDB }",
                "type: \"Data\" data_param { source: \"val_lmdb\" batch_size: 7 backend: LMDB }"));
        Files.writeString(dir.resolve("list_train_val.prototxt"), trainVal(
                "type: \"ImageData\" image_data_param { source: \"train.txt\" root_folder: \"" + dir.resolve("data/train")
                        + "/\" batch_size: 5 }",
                "type: \"ImageData\" image_data_param { source: \"val.txt\" root_folder: \"" + dir.resolve("data/val")
                        + "/\" batch_size: 7 }"));
    }

    /** A train_val with the tiny net's data layers: TRAIN and TEST, each with {@code layer}'s type and parameters. */
    private static String trainVal(String train, String test) {
        return "name: \"tiny\"\n"
                + "layer { name: \"data\" " + train + " top: \"data\" top: \"label\" include { phase: TRAIN } "
                + TRANSFORM.formatted("true") + " }\n"
                + "layer { name: \"data\" " + test + " top: \"data\" top: \"label\" include { phase: TEST } "
                + TRANSFORM.formatted("false") + " }\n";
    }

    private static List<String> common(String report) {
        return new ArrayList<>(List.of("finetune", "--model", dir.resolve("tiny.prototxt").toString(), "--weights",
                dir.resolve("tiny.caffemodel").toString(), "--replace", "conv_final", "--epochs", "2", "--seed", "4",
                "--threads", "1", "--resize-shorter", "8", "--report", dir.resolve(report).toString()));
    }

    @Test
    void lmdbAndListTrainValsFineTuneAsTheImageFoldersDo() throws Exception {
        // The folders with the train_val's transform: random 8x8 crops (of 8x8 images), mirroring, mean, scale.
        List<String> folders = common("folders.json");
        folders.addAll(List.of("--train", dir.resolve("data/train").toString(), "--val",
                dir.resolve("data/val").toString(), "--batch", "5", "--random-crop", "--crop", "8", "--mean-values",
                "128", "--scale", "0.015625"));
        var f = CliTestSupport.run(folders.toArray(String[]::new));
        assertEquals(0, f.status(), f.toString());
        JsonNode want = new ObjectMapper().readTree(dir.resolve("folders.json").toFile());
        for (String kind : List.of("lmdb", "list")) {
            List<String> a = common(kind + ".json");
            a.addAll(List.of("--train-val", dir.resolve(kind + "_train_val.prototxt").toString()));
            var r = CliTestSupport.run(a.toArray(String[]::new));
            assertEquals(0, r.status(), r.toString());
            assertTrue(r.out().contains("data: TRAIN layer 'data' " + kind + ":"), r.out());
            JsonNode got = new ObjectMapper().readTree(dir.resolve(kind + ".json").toFile());
            assertEquals(24, got.get("n_train").asInt(), kind);
            assertEquals(12, got.get("n_val").asInt(), kind);
            assertEquals(List.of("0", "1"), List.of(got.get("classes").get(0).asText(),
                    got.get("classes").get(1).asText()), kind);
            // The same images in the same order with the same draws: the same losses and accuracies, to the bit.
            assertEquals(want.get("history").toString().replaceAll("\"seconds\":[0-9.E-]+", ""),
                    got.get("history").toString().replaceAll("\"seconds\":[0-9.E-]+", ""), kind);
            assertEquals(want.get("iteration_log").get(0).get("loss").toString(),
                    got.get("iteration_log").get(0).get("loss").toString(), kind);
        }
    }

    @Test
    void codesAndTransferReadLmdbsAndLists() throws Exception {
        var folders = CliTestSupport.run("codes", "--model", dir.resolve("tiny.prototxt").toString(), "--weights",
                dir.resolve("tiny.caffemodel").toString(), "--layer", "pool_final", "--data",
                dir.resolve("data/val").toString(), "--out", dir.resolve("f.npy").toString(), "--quiet");
        assertEquals(0, folders.status(), folders.toString());
        var lmdb = CliTestSupport.run("codes", "--model", dir.resolve("tiny.prototxt").toString(), "--weights",
                dir.resolve("tiny.caffemodel").toString(), "--layer", "pool_final", "--data",
                dir.resolve("val_lmdb").toString(), "--out", dir.resolve("l.npy").toString(), "--quiet");
        assertEquals(0, lmdb.status(), lmdb.toString());
        assertTrue(lmdb.out().contains("data: 12 of 12 images"), lmdb.out());
        assertEquals(-1, Files.mismatch(dir.resolve("f.npy"), dir.resolve("l.npy")), "the same codes");
        var list = CliTestSupport.run("transfer", "--model", dir.resolve("tiny.prototxt").toString(), "--weights",
                dir.resolve("tiny.caffemodel").toString(), "--layer", "pool_final", "--train",
                "list:" + dir.resolve("train.txt") + ",root=" + dir.resolve("data/train") + "/", "--val",
                dir.resolve("val_lmdb").toString(), "--report", dir.resolve("t.json").toString(), "--export",
                dir.resolve("t_export").toString(), "--head", "softmax", "--quiet");
        assertEquals(0, list.status(), list.toString());
        JsonNode t = new ObjectMapper().readTree(dir.resolve("t.json").toFile());
        assertEquals(24, t.get("n_train").asInt());
        assertEquals(12, t.get("n_val").asInt());
    }

    @Test
    void badSourcesAreOneLineErrors() throws Exception {
        Path tv = Files.writeString(dir.resolve("leveldb.prototxt"), trainVal(
                "type: \"Data\" data_param { source: \"nowhere_leveldb\" batch_size: 5 }",
                "type: \"Data\" data_param { source: \"val_lmdb\" batch_size: 5 backend: LMDB }"));
        List<String> a = common("bad.json");
        a.addAll(List.of("--train-val", tv.toString()));
        FoundationCommandsTest.assertOneLineError(CliTestSupport.run(a.toArray(String[]::new)), "layer 'data'",
                "nowhere_leveldb");
        Path bad = Files.writeString(dir.resolve("bad.txt"), "x.png zero\n");
        var codes = CliTestSupport.run("codes", "--model", dir.resolve("tiny.prototxt").toString(), "--weights",
                dir.resolve("tiny.caffemodel").toString(), "--layer", "pool_final", "--data", bad.toString(), "--out",
                dir.resolve("b.npy").toString(), "--quiet");
        FoundationCommandsTest.assertOneLineError(codes, "bad.txt:1:", "'zero'");
        assertTrue(Files.notExists(dir.resolve("b.npy")));
        var exists = CliTestSupport.run("convert-imageset", "--images", dir.resolve("data/val").toString(), "--lmdb",
                dir.resolve("val_lmdb").toString());
        FoundationCommandsTest.assertOneLineError(exists, "val_lmdb", "already exists");
        List<String> both = common("both.json");
        both.addAll(List.of("--train-val", dir.resolve("lmdb_train_val.prototxt").toString(), "--mean-values", "1"));
        FoundationCommandsTest.assertOneLineError(CliTestSupport.run(both.toArray(String[]::new)), "transform_param");
    }
}

package org.cortado.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.cortado.testing.SharedData;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The acceptance run of issue 20: SqueezeNet v1.0's own train_val.prototxt, its Data layers pointed at LMDBs of the
 * ants-vs-bees images (written by {@code convert-imageset --encoded}) or turned into ImageData layers over list files,
 * fine-tunes unchanged ({@code finetune --train-val}, frozen through fire8/concat) to the same validation accuracy as
 * the image folders with the same transform (the train_val's random 227 crops and mirroring, mean 104/117/123, after
 * the recipe's shorter-side resize to 227): the three runs give the same history to the bit.
 */
@Tag("slow")
class HymenopteraCaffeDataTest {
    @TempDir
    Path tmp;

    private static List<String> finetune(Path model, Path report) {
        return new ArrayList<>(List.of("finetune", "--model", model.resolve("deploy.prototxt").toString(),
                "--weights", model.resolve("squeezenet_v1.0.caffemodel").toString(), "--replace", "conv_final",
                "--freeze-through", "fire8/concat", "--seed", "1", "--resize-shorter", "227", "--report",
                report.toString()));
    }

    private JsonNode run(List<String> args, String name) throws Exception {
        long t0 = System.nanoTime();
        var r = CliTestSupport.run(args.toArray(String[]::new));
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(0, r.status(), r.toString());
        JsonNode report = new ObjectMapper().readTree(Path.of(args.get(args.indexOf("--report") + 1)).toFile());
        System.out.printf(Locale.ROOT, "%s: final val accuracy %.4f (best %.4f), val loss %.4f -> %.4f, %d train / %d"
                        + " val, %d skipped, %.0f s%n%s%n", name, report.get("val_accuracy").asDouble(),
                report.get("best_val_accuracy").asDouble(), report.at("/history/0/val_loss").asDouble(),
                report.at("/history/3/val_loss").asDouble(), report.get("n_train").asInt(),
                report.get("n_val").asInt(), report.get("skipped").size(), seconds,
                r.out().lines().filter(l -> l.startsWith("data:") || l.startsWith("epoch")).toList());
        return report;
    }

    private static String history(JsonNode report) {
        return report.get("history").toString().replaceAll("\"seconds\":[0-9.E-]+", "");
    }

    @Test
    void squeezeNetsTrainValOnLmdbsAndListsFineTunesAsOnTheFolders() throws Exception {
        Path model = SharedData.require("models/squeezenet_v1.0");
        Path data = SharedData.require("data/hymenoptera");
        for (String split : List.of("train", "val")) {
            var r = CliTestSupport.run("convert-imageset", "--images", data.resolve(split).toString(), "--encoded",
                    "--lmdb", tmp.resolve(split + "_lmdb").toString(), "--list", tmp.resolve(split + ".txt").toString());
            assertEquals(0, r.status(), r.toString());
        }
        String original = Files.readString(model.resolve("train_val.prototxt"));
        // The Data layers as they are, their sources pointed at the LMDBs and the TEST batch made the TRAIN one.
        String lmdb = original.replace("/ssd/dataset/ilsvrc12_train_lmdb/", tmp.resolve("train_lmdb").toString())
                .replace("/ssd/dataset/ilsvrc12_val_lmdb/", tmp.resolve("val_lmdb").toString());
        assertTrue(!lmdb.equals(original), "the train_val names its LMDBs as expected");
        Path lmdbTrainVal = Files.writeString(tmp.resolve("train_val_lmdb.prototxt"), lmdb);
        // ImageData layers over the list files, with everything else as it is.
        String list = lmdb.replace("type: \"Data\"", "type: \"ImageData\"")
                .replace("data_param {\n    source: \"" + tmp.resolve("train_lmdb"), "image_data_param {\n    root_folder: \""
                        + data.resolve("train") + "/\"\n    source: \"" + tmp.resolve("train.txt"))
                .replace("data_param {\n    source: \"" + tmp.resolve("val_lmdb"), "image_data_param {\n    root_folder: \""
                        + data.resolve("val") + "/\"\n    source: \"" + tmp.resolve("val.txt"))
                .replace("    backend: LMDB\n", "");
        Path listTrainVal = Files.writeString(tmp.resolve("train_val_list.prototxt"), list);

        List<String> folders = finetune(model, tmp.resolve("folders.json"));
        folders.addAll(List.of("--train", data.resolve("train").toString(), "--val", data.resolve("val").toString(),
                "--random-crop", "--crop", "227"));
        JsonNode want = run(folders, "image folders, random crops");
        assertEquals(245, want.get("n_train").asInt());
        assertTrue(want.get("val_accuracy").asDouble() >= 0.93, want.get("val_accuracy").toString());
        for (Path trainVal : List.of(lmdbTrainVal, listTrainVal)) {
            List<String> args = finetune(model, tmp.resolve(trainVal.getFileName() + ".json"));
            args.addAll(List.of("--train-val", trainVal.toString()));
            JsonNode got = run(args, trainVal.getFileName().toString());
            assertEquals(245, got.get("n_train").asInt());
            assertEquals(153, got.get("n_val").asInt());
            assertEquals(history(want), history(got), trainVal.getFileName().toString());
        }
    }
}

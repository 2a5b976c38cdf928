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

/** {@code cortado finetune} on a tiny net and image set: progress, report, export, resume and its errors. */
class FinetuneCommandTest {
    @TempDir
    static Path dir;

    @BeforeAll
    static void material() throws Exception {
        TinyImages.write(dir.resolve("data"), 12, 6, 5);
        Files.writeString(dir.resolve("tiny.prototxt"), TinyNets.DEPLOY);
        TinyImages.writeTinyWeights(dir.resolve("tiny.caffemodel"), 9);
    }

    /** The command line for the tiny net with {@code extra} options; 16x16 images become 8x8 inputs. */
    private static String[] args(String... extra) {
        List<String> a = new ArrayList<>(List.of("finetune", "--model", dir.resolve("tiny.prototxt").toString(),
                "--weights", dir.resolve("tiny.caffemodel").toString(),
                "--train", dir.resolve("data/train").toString(), "--val", dir.resolve("data/val").toString(),
                "--replace", "conv_final", "--batch", "5", "--mean-values", "128", "--scale", "0.015625",
                "--threads", "1"));
        a.addAll(List.of(extra));
        return a.toArray(String[]::new);
    }

    @Test
    void printsProgressWritesTheReportAndExports() throws Exception {
        Path report = dir.resolve("out/report.json");
        var r = CliTestSupport.run(args("--epochs", "2", "--seed", "4", "--report", report.toString(), "--export",
                dir.resolve("out/export").toString()));
        assertEquals(0, r.status(), r.toString());
        assertTrue(r.out().contains("linear probe:"), r.out());
        assertTrue(r.out().matches("(?s).*iter 10/10 +epoch 2 +loss [0-9.]+ +lr [0-9.e-]+ +[0-9.]+ img/s +ETA 0:00.*"),
                r.out());
        assertTrue(r.out().contains("epoch 0/2: val accuracy") && r.out().contains("epoch 2/2: val accuracy"), r.out());
        JsonNode json = new ObjectMapper().readTree(report.toFile());
        assertEquals(24, json.get("n_train").asInt());
        assertEquals(12, json.get("n_val").asInt());
        assertEquals(3, json.get("history").size());
        assertTrue(json.get("skipped").isArray() && json.get("val_accuracy").isNumber()
                && json.get("train_accuracy").isNumber() && json.get("best_val_accuracy").isNumber(), json.toString());
        assertEquals("conv_final_ft", json.get("new_layer").asText());
        assertTrue(Files.exists(dir.resolve("out/export/deploy.prototxt")));
        assertTrue(Files.exists(dir.resolve("out/export/finetuned.caffemodel")));
    }

    @Test
    void resumesFromTheLatestSnapshot() {
        Path snaps = dir.resolve("snaps");
        var first = CliTestSupport.run(args("--epochs", "1", "--snapshot-dir", snaps.toString(), "--snapshot-every",
                "2"));
        assertEquals(0, first.status(), first.toString());
        assertTrue(Files.exists(snaps.resolve("iter_000004.snapshot.json"))
                && Files.exists(snaps.resolve("best.snapshot.json")));
        var again = CliTestSupport.run(args("--epochs", "1", "--snapshot-dir", snaps.toString(), "--resume"));
        assertEquals(0, again.status(), again.toString());
        assertTrue(again.out().contains("resumed from") && again.out().contains("at iteration 5"), again.out());
        assertEquals(finalLine(first.out()), finalLine(again.out()));
        var other = CliTestSupport.run(args("--epochs", "2", "--snapshot-dir", snaps.toString(), "--resume"));
        FoundationCommandsTest.assertOneLineError(other, "other settings", "epochs 1 (snapshot) vs 2 (now)");
    }

    @Test
    void gpuWithoutAUsableStackFailsInOneLineAndAutoTrainsOnTheCpu() {
        org.junit.jupiter.api.Assumptions.assumeFalse(Files.exists(Path.of("/dev/nvidia0")), "a GPU is present");
        var gpu = CliTestSupport.run(args("--epochs", "1", "--device", "gpu"));
        FoundationCommandsTest.assertOneLineError(gpu, "cortado finetune: ", "GPU");
        var auto = CliTestSupport.run(args("--epochs", "1", "--device", "auto"));
        assertEquals(0, auto.status(), auto.toString()); // its notice goes to System.err (Backends.select)
        assertTrue(auto.out().contains("final val accuracy"), auto.out());
    }

    private static String finalLine(String out) {
        return out.lines().filter(l -> l.startsWith("final val accuracy")).findFirst().orElse("")
                .replaceAll(", [0-9.]+ s$", "");
    }

    @Test
    void divergenceNamesTheIterationAndTheLearningRate() {
        var r = CliTestSupport.run(args("--epochs", "1", "--base-lr", "1e30", "--no-linear-probe"));
        FoundationCommandsTest.assertOneLineError(r, "diverged at iteration", "last learning rate");
    }

    @Test
    void freezingTheNewClassifierIsRefused() {
        var r = CliTestSupport.run(args("--freeze-through", "pool_final"));
        FoundationCommandsTest.assertOneLineError(r, "pool_final", "would freeze the new classifier");
    }

    @Test
    void unknownLayersAndMissingWeightsAreNamed() {
        FoundationCommandsTest.assertOneLineError(CliTestSupport.run(args("--freeze-through", "conv9")), "conv9");
        var noWeights = CliTestSupport.run("finetune", "--model", dir.resolve("tiny.prototxt").toString(), "--train",
                dir.resolve("data/train").toString(), "--replace", "conv_final");
        FoundationCommandsTest.assertOneLineError(noWeights, "--weights");
        var replaceWhat = CliTestSupport.run(replaceWith("fc8"));
        FoundationCommandsTest.assertOneLineError(replaceWhat, "fc8");
    }

    private static String[] replaceWith(String layer) {
        String[] a = args();
        for (int i = 0; i < a.length; i++) {
            if (a[i].equals("--replace")) {
                a[i + 1] = layer;
            }
        }
        return a;
    }

    @Test
    void resumeNeedsASnapshotFolder() {
        FoundationCommandsTest.assertOneLineError(CliTestSupport.run(args("--resume")), "snapshot");
    }
}

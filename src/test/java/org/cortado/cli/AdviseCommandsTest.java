package org.cortado.cli;

import static org.cortado.cli.FoundationCommandsTest.assertOneLineError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.cortado.data.TestImages;
import org.cortado.features.FeatureFiles;
import org.cortado.testing.TinyNet;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** probe and advise end to end on a small net with seeded weights and striped test images. */
class AdviseCommandsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> CASES = Set.of("small-similar", "small-different", "large-similar",
            "large-different");

    @TempDir
    Path tmp;

    private TinyNet.Files tiny;
    private Path val;

    @BeforeEach
    void data() {
        tiny = TinyNet.write(tmp, 5);
        val = TestImages.stripeFolders(tmp.resolve("val"), 3, 40);
    }

    /** Training images: {@code perClass} per class, and an unreadable file when {@code broken}. */
    private Path train(int perClass, boolean broken) throws IOException {
        Path train = TestImages.stripeFolders(tmp.resolve("train" + perClass), perClass, 0);
        if (broken) {
            Files.writeString(train.resolve("stripes_v/broken.jpg"), "not a jpeg");
        }
        return train;
    }

    private String[] command(String name, Path train, String... more) {
        return FoundationCommandsTest.concat(new String[] {name, "--model", tiny.deploy().toString(), "--weights",
            tiny.caffemodel().toString(), "--resize", "14x14", "--crop", "12", "--mean-values", "110,100,90",
            "--train", train.toString(), "--val", val.toString(), "--quiet"}, more);
    }

    private static JsonNode json(Path file) throws IOException {
        return JSON.readTree(file.toFile());
    }

    @Test
    void probeScoresEveryLayerFromOnePassAndKeepsTheFeatureFiles() throws IOException {
        Path report = tmp.resolve("reports/probe.json");
        var r = CliTestSupport.run(command("probe", train(5, true), "--layers", "conv1,conv2", "--combine",
                "conv1+conv2", "--folds", "2", "--codes", tmp.resolve("codes").toString(), "--report",
                report.toString()));
        assertEquals(0, r.status(), r.toString());
        assertTrue(r.out().contains("layer") && r.out().contains("<- best") && r.out().contains("conv1+conv2"),
                r.out());
        assertTrue(r.err().contains("broken.jpg"), "a skipped image is named: " + r);
        JsonNode j = json(report);
        assertEquals(3, j.get("layers").size());
        assertEquals("conv1", j.at("/layers/0/name").asText(), "by depth");
        assertEquals(8, j.at("/layers/1/dim").asInt());
        assertTrue(Set.of("conv1", "conv2").contains(j.get("best_layer").asText()), j.toString());
        assertEquals(10, j.get("n_train").asInt());
        assertEquals(6, j.get("n_val").asInt());
        assertTrue(j.at("/skipped/0/file").asText().endsWith("broken.jpg"));
        assertEquals(1, j.at("/recipe/passes_per_image").asInt());
        assertEquals("cross-validation", j.at("/recipe/c_selection").asText());
        for (JsonNode row : j.get("layers")) {
            double v = row.get("val_accuracy").asDouble();
            assertTrue(v >= 0 && v <= 1 && row.get("cv_accuracy").asDouble() >= 0, row.toString());
        }
        assertEquals(10, FeatureFiles.read(tmp.resolve("codes/conv2.train.npy")).rows());
    }

    @Test
    void probeReadsCaffeListFilesAsItReadsFolders() throws IOException {
        Path train = train(3, false);
        Path folders = tmp.resolve("folders.json");
        Path lists = tmp.resolve("lists.json");
        assertEquals(0, CliTestSupport.run(command("probe", train, "--layers", "conv2", "--c", "1", "--report",
                folders.toString())).status());
        String[] args = command("probe", train, "--layers", "conv2", "--c", "1", "--report", lists.toString());
        args[java.util.Arrays.asList(args).indexOf("--train") + 1] = "list:" + listFile(train);
        args[java.util.Arrays.asList(args).indexOf("--val") + 1] = "list:" + listFile(val);
        var r = CliTestSupport.run(args);
        assertEquals(0, r.status(), r.toString());
        for (String key : List.of("/layers/0/train_accuracy", "/layers/0/val_accuracy", "/n_train", "/n_val")) {
            assertEquals(json(folders).at(key).asDouble(), json(lists).at(key).asDouble(), key);
        }
    }

    /** A Caffe list file ("path label", classes numbered in folder-name order) of an image-folder tree. */
    private Path listFile(Path root) throws IOException {
        List<Path> classes;
        try (var dirs = Files.list(root)) {
            classes = dirs.filter(Files::isDirectory).sorted().toList();
        }
        StringBuilder lines = new StringBuilder();
        for (int label = 0; label < classes.size(); label++) {
            try (var files = Files.list(classes.get(label))) {
                for (Path f : files.sorted().toList()) {
                    lines.append(f.toAbsolutePath()).append(' ').append(label).append('\n');
                }
            }
        }
        Path list = tmp.resolve(root.getFileName() + ".txt");
        Files.writeString(list, lines);
        return list;
    }

    @Test
    void probeNamesABadLayerPoolingOrCombinationInOneLineAndWritesNoReport() throws IOException {
        Path train = train(3, false);
        Path report = tmp.resolve("bad.json");
        assertOneLineError(CliTestSupport.run(command("probe", train, "--layers", "conv1,conv9", "--report",
                report.toString())), "conv9", "tiny.prototxt");
        assertOneLineError(CliTestSupport.run(command("probe", train, "--pool", "none", "--report",
                report.toString())), "avg or max");
        assertOneLineError(CliTestSupport.run(command("probe", train, "--combine", "conv1", "--report",
                report.toString())), "at least two layers");
        assertFalse(Files.exists(report));
    }

    @Test
    void adviseOnAFewImagesRecommendsCodesAndRunsThemThroughTransfer() throws IOException {
        Path report = tmp.resolve("advise.json");
        var r = CliTestSupport.run(command("advise", train(5, true), "--run", "--report", report.toString()));
        assertEquals(0, r.status(), r.toString());
        JsonNode j = json(report);
        String verdict = j.get("case").asText();
        assertTrue(verdict.startsWith("small-"), "10 images for the 1,026 parameters of the new classifier: " + j);
        assertTrue(r.out().contains("case: " + verdict) && r.out().contains("why: ")
                && r.out().contains("./cortado transfer"), r.out());
        assertEquals("codes", j.at("/recommendation/strategy").asText());
        assertEquals("conv2", j.at("/recommendation/layer").asText(), "the one stage end below the classifier");
        assertEquals("fc", j.at("/measurements/classifier").asText());
        assertEquals(1026, j.at("/measurements/top_stage/params_above").asLong());
        assertEquals("prob", j.at("/measurements/source_predictions/layer").asText());
        assertEquals(10, j.get("n_train").asInt());
        assertEquals(6, j.get("n_val").asInt());
        assertTrue(j.get("val_accuracy").asDouble() >= 0 && j.get("train_accuracy").asDouble() >= 0);
        assertTrue(j.at("/skipped/0/file").asText().endsWith("broken.jpg"));
        assertEquals(j.get("val_accuracy").asDouble(), j.at("/ran/0/val_accuracy").asDouble());
        assertFalse(j.get("reasons").asText().isBlank());
    }

    @Test
    void adviseOnEnoughImagesForTheNewClassifierFineTunesIt() throws IOException {
        Path report = tmp.resolve("large.json");
        var r = CliTestSupport.run(command("advise", train(6, false), "--run", "--report", report.toString()));
        assertEquals(0, r.status(), r.toString());
        JsonNode j = json(report);
        assertTrue(CASES.contains(j.get("case").asText()) && j.get("case").asText().startsWith("large-"),
                "12 images for 1,026 parameters: " + j.get("case"));
        assertEquals("finetune", j.at("/recommendation/strategy").asText());
        assertEquals("conv2", j.at("/recommendation/freeze_through").asText());
        assertEquals(12, j.get("n_train").asInt());
        assertTrue(r.out().contains("./cortado finetune"), r.out());
        double v = j.get("val_accuracy").asDouble();
        assertTrue(v >= 0 && v <= 1, j.toString());
    }

    @Test
    void transferOnJoinedLayersExportsANetThatReproducesTheHead() throws IOException {
        Path report = tmp.resolve("joined.json");
        var r = CliTestSupport.run(command("transfer", train(5, false), "--layer", "conv1+conv2", "--head", "softmax",
                "--export", tmp.resolve("export").toString(), "--report", report.toString()));
        assertEquals(0, r.status(), r.toString());
        assertTrue(r.out().contains("layers conv1 (post, avg) + conv2 (post, avg): 14 values"), r.out());
        assertTrue(r.out().contains("export read back: 6 of 6 validation images get the head's class"), r.out());
        JsonNode j = json(report);
        assertEquals("conv1+conv2", j.at("/recipe/layer").asText());
        assertEquals(14, j.at("/recipe/code_dim").asInt());
    }

    @Test
    void adviseWithABadBudgetFailsInOneLineBeforeAnyWork() throws IOException {
        Path train = train(3, false);
        assertOneLineError(CliTestSupport.run(command("advise", train, "--budget-minutes", "0", "--report",
                tmp.resolve("a.json").toString())), "budget");
        assertFalse(Files.exists(tmp.resolve("a.json")));
    }
}

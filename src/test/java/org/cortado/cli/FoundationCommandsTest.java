package org.cortado.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.cortado.io.Npy;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;
import org.cortado.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** inspect, forward and classify end to end, including every kind of bad input the foundation names. */
class FoundationCommandsTest {
    @TempDir
    Path tmp;

    static String squeezenet(String file) {
        return SharedData.require("models/squeezenet_v1.0/" + file).toString();
    }

    static String narrow(String file) {
        return SharedData.require("models/tiny/" + file).toString();
    }

    static void assertOneLineError(CliTestSupport.Result r, String... fragments) {
        assertEquals(Main.EXIT_FAILURE, r.status(), r.toString());
        assertEquals(1, r.err().strip().lines().count(), "one line expected:\n" + r);
        for (String f : fragments) {
            assertTrue(r.err().contains(f), "'" + f + "' missing from: " + r.err());
        }
        assertFalse(r.err().contains("\tat "), "no stack trace without --verbose: " + r.err());
    }

    @Test
    void inspectListsLayersShapesAndParameterCounts() {
        var r = CliTestSupport.run("inspect", "--model", squeezenet("deploy.prototxt"), "--weights",
                squeezenet("squeezenet_v1.0.caffemodel"));
        assertEquals(0, r.status(), r.toString());
        assertTrue(r.out().contains("fire9/concat") && r.out().contains("(1, 512, 13, 13)"), r.out());
        assertTrue(r.out().contains("(1000, 512, 1, 1)"), r.out());
        // SqueezeNet v1.0 has 1,248,424 parameters.
        assertTrue(r.out().contains("total parameters: 1248424"), r.out());
    }

    @Test
    void forwardWritesEachLayersOwnOutput() throws IOException {
        Path input = SharedData.require("reference/caffenet_narrow/cat/input.npy");
        Path out = tmp.resolve("out");
        var r = CliTestSupport.run("forward", "--model", narrow("caffenet_narrow_deploy.prototxt"), "--weights",
                narrow("caffenet_narrow_v1.caffemodel"), "--input", input.toString(), "--outputs", "conv1,relu1,prob",
                "--out-dir", out.toString());
        assertEquals(0, r.status(), r.toString());
        Tensor conv1 = Npy.read(out.resolve("conv1.npy"));
        Tensor relu1 = Npy.read(out.resolve("relu1.npy"));
        Tensor ref = Npy.read(input.resolveSibling("conv1.npy"));
        assertEquals(ref.shape(), conv1.shape());
        boolean sawNegative = false;
        for (int i = 0; i < conv1.count(); i++) {
            assertEquals(ref.hostData()[i], conv1.hostData()[i], 1e-3f);
            assertEquals(Math.max(0f, conv1.hostData()[i]), relu1.hostData()[i], 0f);
            sawNegative |= conv1.hostData()[i] < 0;
        }
        assertTrue(sawNegative, "conv1.npy must be the value before the in-place ReLU");
        assertTrue(Files.exists(out.resolve("prob.npy")));
    }

    @Test
    void forwardNamesSlashLayersWithDoubleUnderscores() {
        Path input = SharedData.require("reference/squeezenet_v1.0/chelsea/input.npy");
        Path out = tmp.resolve("sq");
        var r = CliTestSupport.run("forward", "--model", squeezenet("deploy.prototxt"), "--weights",
                squeezenet("squeezenet_v1.0.caffemodel"), "--input", input.toString(), "--outputs", "fire9/concat",
                "--out-dir", out.toString());
        assertEquals(0, r.status(), r.toString());
        assertEquals(Shape.of(1, 512, 13, 13), Npy.read(out.resolve("fire9__concat.npy")).shape());
    }

    @Test
    void classifyRanksEgyptianCatFirstForChelsea() {
        var r = CliTestSupport.run("classify", "--model", squeezenet("deploy.prototxt"), "--weights",
                squeezenet("squeezenet_v1.0.caffemodel"), "--labels",
                SharedData.require("labels/synset_words.txt").toString(), "--mean-values", "104,117,123",
                SharedData.require("images/chelsea.png").toString());
        assertEquals(0, r.status(), r.toString());
        String first = r.out().lines().skip(1).findFirst().orElseThrow();
        assertTrue(first.contains("n02124075 Egyptian cat"), r.out());
    }

    @Test
    void classifyOversampledAveragesTheTenCropsAndStillFindsTheCat() {
        var r = CliTestSupport.run("classify", "--model", squeezenet("deploy.prototxt"), "--weights",
                squeezenet("squeezenet_v1.0.caffemodel"), "--labels",
                SharedData.require("labels/synset_words.txt").toString(), "--mean-values", "104,117,123", "--crop",
                "227", "--oversample", SharedData.require("images/chelsea.png").toString());
        assertEquals(0, r.status(), r.toString());
        String first = r.out().lines().skip(1).findFirst().orElseThrow();
        assertTrue(first.contains("n02124075 Egyptian cat"), r.out());
        assertOneLineError(CliTestSupport.run("classify", "--model", squeezenet("deploy.prototxt"), "--weights",
                squeezenet("squeezenet_v1.0.caffemodel"), "--labels",
                SharedData.require("labels/synset_words.txt").toString(), "--oversample",
                SharedData.require("images/chelsea.png").toString()), "--oversample", "--crop");
    }

    @Test
    void meanOverViewsAveragesRowsOfScores() {
        float[] rows = {1, 2, 3, 4, 5, 6};
        org.junit.jupiter.api.Assertions.assertArrayEquals(new float[] {3, 4}, ClassifyCommand.meanOverViews(rows, 2, 3));
    }

    @Test
    void classifyReportsAnUnreadableImageByNameAndGoesOn() throws IOException {
        Path bad = Files.writeString(tmp.resolve("notes.jpg"), "not an image");
        var r = CliTestSupport.run("classify", "--model", squeezenet("deploy.prototxt"), "--weights",
                squeezenet("squeezenet_v1.0.caffemodel"), "--labels",
                SharedData.require("labels/synset_words.txt").toString(), "--mean-values", "104,117,123",
                bad.toString(), SharedData.require("images/chelsea.png").toString());
        assertEquals(Main.EXIT_FAILURE, r.status(), r.toString());
        assertTrue(r.err().contains("notes.jpg"), r.toString());
        assertTrue(r.out().contains("Egyptian cat"), r.toString());
    }

    @Test
    void missingModelFile() {
        var r = CliTestSupport.run("inspect", "--model", tmp.resolve("nope.prototxt").toString());
        assertOneLineError(r, "nope.prototxt", "no such file");
    }

    @Test
    void truncatedCaffemodelNamesFileAndOffset() throws IOException {
        byte[] full = Files.readAllBytes(Path.of(squeezenet("squeezenet_v1.0.caffemodel")));
        Path cut = tmp.resolve("cut.caffemodel");
        Files.write(cut, java.util.Arrays.copyOf(full, full.length / 2));
        var r = CliTestSupport.run("inspect", "--model", squeezenet("deploy.prototxt"), "--weights", cut.toString());
        assertOneLineError(r, "cut.caffemodel", "byte");
    }

    @Test
    void prototxtSyntaxErrorGivesLineAndColumn() throws IOException {
        Path bad = Files.writeString(tmp.resolve("bad.prototxt"), "name: \"x\"\nlayer {\n  name: \"a\"\n  tpye: \"ReLU\"\n}\n");
        var r = CliTestSupport.run("inspect", "--model", bad.toString());
        assertOneLineError(r, "bad.prototxt:4:");
    }

    @Test
    void unknownLayerTypeAndMissingBottom() throws IOException {
        Path unknown = Files.writeString(tmp.resolve("unknown.prototxt"),
                "input: 'data' input_dim: 1 input_dim: 3 input_dim: 8 input_dim: 8\n"
                        + "layer { name: 'mystery' type: 'Mystery' bottom: 'data' top: 'y' }\n");
        assertOneLineError(CliTestSupport.run("inspect", "--model", unknown.toString()),
                "'mystery'", "'Mystery'", "supported types");
        Path dangling = Files.writeString(tmp.resolve("dangling.prototxt"),
                "input: 'data' input_dim: 1 input_dim: 3 input_dim: 8 input_dim: 8\n"
                        + "layer { name: 'r' type: 'ReLU' bottom: 'ghost' top: 'y' }\n");
        assertOneLineError(CliTestSupport.run("inspect", "--model", dangling.toString()), "'ghost'", "layer 'r'");
    }

    @Test
    void weightsOfAnotherShapeNameLayerAndBothShapes() throws IOException {
        String deploy = Files.readString(Path.of(squeezenet("deploy.prototxt")))
                .replaceFirst("num_output: 96", "num_output: 64");
        Path changed = Files.writeString(tmp.resolve("changed.prototxt"), deploy);
        var r = CliTestSupport.run("inspect", "--model", changed.toString(), "--weights",
                squeezenet("squeezenet_v1.0.caffemodel"));
        assertOneLineError(r, "layer 'conv1' (Convolution)", "(96, 3, 7, 7)", "(64, 3, 7, 7)");
    }

    @Test
    void forwardRejectsWrongDtypeAndRank() throws IOException {
        // A float64 array: write float32 zeros, relabel the dtype (same header length) and double the data.
        Path f64 = tmp.resolve("f64.npy");
        Npy.write(f64, Tensor.zeros(Shape.of(1, 3, 2, 2)));
        byte[] f32 = Files.readAllBytes(f64);
        String text = new String(f32, java.nio.charset.StandardCharsets.ISO_8859_1).replace("<f4", "<f8");
        byte[] relabelled = text.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        Files.write(f64, java.util.Arrays.copyOf(relabelled, relabelled.length + 12 * 4));
        String[] common = {"forward", "--model", narrow("caffenet_narrow_deploy.prototxt"), "--weights",
            narrow("caffenet_narrow_v1.caffemodel"), "--outputs", "prob", "--out-dir", tmp.resolve("o").toString()};
        assertOneLineError(CliTestSupport.run(concat(common, "--input", f64.toString())), "f64.npy", "<f8");

        Path rank3 = tmp.resolve("rank3.npy");
        Npy.write(rank3, Tensor.zeros(Shape.of(3, 227, 227)));
        assertOneLineError(CliTestSupport.run(concat(common, "--input", rank3.toString())), "rank3.npy", "(3, 227, 227)");
        assertFalse(Files.exists(tmp.resolve("o").resolve("prob.npy")), "no output on bad input");
    }

    @Test
    void verboseAddsTheStackTrace() {
        var r = CliTestSupport.run("inspect", "--verbose", "--model", tmp.resolve("nope.prototxt").toString());
        assertEquals(Main.EXIT_FAILURE, r.status());
        assertTrue(r.err().contains("\tat "), r.err());
    }

    @Test
    void usageErrorsExitWithTwo() {
        var r = CliTestSupport.run("forward", "--model", "x");
        assertEquals(Main.EXIT_USAGE, r.status(), r.toString());
    }

    static String[] concat(String[] a, String... b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    @Test
    void gpuWithoutAUsableStackFailsInOneLineAndAutoFallsBack() {
        org.junit.jupiter.api.Assumptions.assumeFalse(Files.exists(Path.of("/dev/nvidia0")), "a GPU is present");
        Path input = SharedData.require("reference/caffenet_narrow/cat/input.npy");
        String[] common = {"forward", "--model", narrow("caffenet_narrow_deploy.prototxt"), "--weights",
            narrow("caffenet_narrow_v1.caffemodel"), "--input", input.toString(), "--outputs", "prob",
            "--out-dir", tmp.resolve("g").toString()};
        var gpu = CliTestSupport.run(concat(common, "--device", "gpu"));
        assertEquals(Main.EXIT_FAILURE, gpu.status(), gpu.toString());
        assertTrue(gpu.err().startsWith("cortado forward: "), gpu.err());
        var auto = CliTestSupport.run(concat(common, "--device", "auto"));
        assertEquals(0, auto.status(), auto.toString());
        assertTrue(Files.exists(tmp.resolve("g").resolve("prob.npy")));
    }
}

package org.cortado.cli;

import static org.cortado.cli.FoundationCommandsTest.assertOneLineError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import org.cortado.data.TestImages;
import org.cortado.features.FeatureFiles;
import org.cortado.features.FeatureSet;
import org.cortado.testing.TinyNet;
import org.cortado.weights.Fetcher;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * codes, train-head, transfer and weights end to end on a small net with seeded weights and striped test images (no
 * shared material needed), including the bad inputs each must name.
 */
class TransferCommandsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private TinyNet.Files tiny;
    private Path train;
    private Path val;

    @BeforeEach
    void data() throws IOException {
        tiny = TinyNet.write(tmp, 5);
        train = TestImages.stripeFolders(tmp.resolve("train"), 5, 0);
        Files.writeString(train.resolve("stripes_v/broken.jpg"), "not a jpeg");
        val = TestImages.stripeFolders(tmp.resolve("val"), 3, 40);
    }

    /** The tiny net with a 14x14 resize and a 12x12 centre crop, means 110, 100, 90. */
    private String[] model(String command, String... more) {
        return FoundationCommandsTest.concat(new String[] {command, "--model", tiny.deploy().toString(), "--weights",
            tiny.caffemodel().toString(), "--resize", "14x14", "--crop", "12", "--mean-values", "110,100,90",
            "--quiet"}, more);
    }

    private static JsonNode json(Path file) throws IOException {
        return JSON.readTree(file.toFile());
    }

    @Test
    void codesWritesOneRowPerImageWithProvenanceAndNamesTheUnreadable() throws IOException {
        Path out = tmp.resolve("f/codes.npy");
        var r = CliTestSupport.run(model("codes", "--layer", "conv2", "--oversample", "--train", train.toString(),
                "--val", val.toString(), "--out", out.toString(), "--libsvm", tmp.resolve("f/codes.svm").toString()));
        assertEquals(0, r.status(), r.toString());
        assertTrue(r.out().contains("broken.jpg") && r.err().contains("skipped") && r.err().contains("broken.jpg"),
                r.toString());
        FeatureSet t = FeatureFiles.read(tmp.resolve("f/codes.train.npy"));
        FeatureSet v = FeatureFiles.read(tmp.resolve("f/codes.val.npy"));
        assertEquals(10, t.rows());
        assertEquals(6, v.rows());
        assertEquals(8, t.dim());
        assertEquals(1, t.skipped().size());
        assertTrue(t.skipped().get(0).file().toString().endsWith("broken.jpg"));
        assertFalse(t.skipped().get(0).reason().isBlank());
        // Stable order: by class, then by path.
        assertTrue(t.files().get(0).endsWith("stripes_h/img00.png") && t.files().get(9).endsWith("stripes_v/img04.png"),
                t.files().toString());
        var p = t.provenance();
        assertEquals("conv2", p.layer());
        assertEquals("post", p.activation());
        assertEquals("avg", p.pooling());
        assertTrue(p.preprocessing().contains("10 crops"), p.preprocessing());
        assertEquals(Fetcher.digest(tiny.caffemodel(), "SHA-1"), p.weightsSha1());
        assertEquals(10, Files.readAllLines(tmp.resolve("f/codes.train.svm")).size());
        JsonNode meta = json(tmp.resolve("f/codes.train.json"));
        assertTrue(meta.at("/skipped/0/file").asText().endsWith("broken.jpg"));
    }

    @Test
    void codesResumeKeepsACompleteFileAndPreActivationAndPoolingAreOptions() throws IOException {
        Path out = tmp.resolve("codes.npy");
        String[] args = model("codes", "--layer", "conv1", "--pre-activation", "--pool", "none",
                "--data", val.toString(), "--out", out.toString());
        assertEquals(0, CliTestSupport.run(args).status());
        Object key = Files.readAttributes(out, BasicFileAttributes.class).fileKey();
        var again = CliTestSupport.run(FoundationCommandsTest.concat(args, "--resume"));
        assertEquals(0, again.status(), again.toString());
        assertEquals(key, Files.readAttributes(out, BasicFileAttributes.class).fileKey(), "kept, not recomputed");
        FeatureSet set = FeatureFiles.read(out);
        assertEquals(6 * 10 * 10, set.dim());
        assertEquals("pre", set.provenance().activation());
        boolean negative = false;
        for (float x : set.codes().hostData()) {
            negative |= x < 0;
        }
        assertTrue(negative, "pre-activation codes keep conv1's negative values");
    }

    @Test
    void codesTakesAKnownModelsLayerAndPreprocessingFromTheManifest() throws IOException {
        Path manifest = manifest("m.json", "http://127.0.0.1:9/none", "0".repeat(40), "tiny.caffemodel");
        Path out = tmp.resolve("known.npy");
        var r = CliTestSupport.run("codes", "--model", tiny.deploy().toString(), "--weights",
                tiny.caffemodel().toString(), "--manifest", manifest.toString(), "--data", val.toString(), "--out",
                out.toString(), "--quiet");
        assertEquals(0, r.status(), r.toString());
        assertTrue(r.out().contains("known model toy (matched by file name)"), r.out());
        var p = FeatureFiles.read(out).provenance();
        assertEquals("conv2", p.layer());
        assertEquals("resize 14x14, centre crop 12x12, BGR 0..255, minus mean [110.0, 100.0, 90.0]", p.preprocessing());
    }

    @Test
    void transformFromTakesTheTestPhaseTransformParamOfATrainValPrototxt() throws IOException {
        Path trainVal = Files.writeString(tmp.resolve("train_val.prototxt"), """
                name: "tiny"
                layer { name: "data" type: "Data" top: "data" top: "label" include { phase: TRAIN }
                        transform_param { mirror: true crop_size: 12 mean_value: 1 mean_value: 2 mean_value: 3 } }
                layer { name: "data" type: "Data" top: "data" top: "label" include { phase: TEST }
                        transform_param { crop_size: 12 mean_value: 4 mean_value: 5 mean_value: 6 scale: 0.5 } }
                """);
        Path out = tmp.resolve("tf.npy");
        var r = CliTestSupport.run("codes", "--model", tiny.deploy().toString(), "--weights",
                tiny.caffemodel().toString(), "--layer", "conv2", "--transform-from", trainVal.toString(), "--resize",
                "14x14", "--data", val.toString(), "--out", out.toString(), "--quiet");
        assertEquals(0, r.status(), r.toString());
        assertEquals("resize 14x14, centre crop 12x12, BGR 0..255, minus mean [4.0, 5.0, 6.0], times 0.5",
                FeatureFiles.read(out).provenance().preprocessing());
        assertOneLineError(CliTestSupport.run("codes", "--model", tiny.deploy().toString(), "--weights",
                tiny.caffemodel().toString(), "--layer", "conv2", "--transform-from", trainVal.toString(), "--crop",
                "10", "--data", val.toString(), "--out", out.toString()), "--transform-from", "--crop");
    }

    @Test
    void codesRejectsAnEmptyClassFolder() throws IOException {
        Files.createDirectories(tmp.resolve("val/empty_class"));
        var r = CliTestSupport.run(model("codes", "--layer", "conv2", "--data", val.toString(), "--out",
                tmp.resolve("x.npy").toString()));
        assertOneLineError(r, "empty_class", "no image files");
    }

    @Test
    void codesNamesAnUnknownLayerAndTheNetsLayers() {
        var r = CliTestSupport.run(model("codes", "--layer", "fire9/concat", "--data", val.toString(), "--out",
                tmp.resolve("x.npy").toString()));
        assertOneLineError(r, "tiny.prototxt", "'fire9/concat'", "conv1, relu1");
    }

    @Test
    void codesNeedsALayerForAModelTheManifestDoesNotKnow() {
        var r = CliTestSupport.run(model("codes", "--data", val.toString(), "--out", tmp.resolve("x.npy").toString()));
        assertOneLineError(r, "--layer is required");
    }

    @Test
    void trainHeadReportsAndSavesTheHead() throws IOException {
        Path out = tmp.resolve("codes.npy");
        assertEquals(0, CliTestSupport.run(model("codes", "--layer", "conv2", "--train", train.toString(), "--val",
                val.toString(), "--out", out.toString())).status());
        Path report = tmp.resolve("head.report.json");
        var r = CliTestSupport.run("train-head", "--train", tmp.resolve("codes.train.npy").toString(), "--val",
                tmp.resolve("codes.val.npy").toString(), "--head", "softmax", "--c", "cv", "--folds", "3", "--report",
                report.toString(), "--save", tmp.resolve("head.json").toString());
        assertEquals(0, r.status(), r.toString());
        assertTrue(r.out().contains("<- chosen") && r.out().contains("val accuracy"), r.out());
        JsonNode rep = json(report);
        assertEquals(10, rep.get("n_train").asInt());
        assertEquals(6, rep.get("n_val").asInt());
        assertTrue(rep.get("val_accuracy").isNumber() && rep.get("train_accuracy").isNumber());
        assertTrue(rep.at("/skipped/0/file").asText().endsWith("broken.jpg"));
        assertEquals(3, rep.at("/cross_validation/folds").asInt());
        JsonNode head = json(tmp.resolve("head.json"));
        assertEquals(2, head.get("raw_weights").size());
        assertEquals(8, head.get("raw_weights").get(0).size());
        assertEquals("standardize", head.get("preprocessing").asText());
    }

    @Test
    void trainHeadRefusesFeatureFilesMadeDifferently() throws IOException {
        Path avg = tmp.resolve("avg.npy");
        Path flat = tmp.resolve("flat.npy");
        Path other = tmp.resolve("other.npy");
        assertEquals(0, CliTestSupport.run(model("codes", "--layer", "conv2", "--data", train.toString(), "--out",
                avg.toString())).status());
        assertEquals(0, CliTestSupport.run(model("codes", "--layer", "conv2", "--pool", "none", "--data",
                val.toString(), "--out", flat.toString())).status());
        assertEquals(0, CliTestSupport.run(model("codes", "--layer", "conv2", "--pool", "max", "--data",
                val.toString(), "--out", other.toString())).status());
        String report = tmp.resolve("r.json").toString();
        assertOneLineError(CliTestSupport.run("train-head", "--train", avg.toString(), "--val", flat.toString(),
                "--head", "svm", "--c", "1", "--report", report), "avg.npy", "flat.npy", "8 values", "512");
        assertOneLineError(CliTestSupport.run("train-head", "--train", avg.toString(), "--val", other.toString(),
                "--head", "svm", "--c", "1", "--report", report), "made differently", "pooling 'avg' vs 'max'");
        Files.createDirectories(tmp.resolve("three/c"));
        Path third = TestImages.stripes(tmp.resolve("three/c/a.png"), 20, 18, 0, 1);
        assertTrue(Files.exists(third));
        Files.move(val.resolve("stripes_h"), tmp.resolve("three/stripes_h"));
        Path threeOut = tmp.resolve("three.npy");
        assertEquals(0, CliTestSupport.run(model("codes", "--layer", "conv2", "--data", tmp.resolve("three").toString(),
                "--out", threeOut.toString())).status());
        assertOneLineError(CliTestSupport.run("train-head", "--train", avg.toString(), "--val", threeOut.toString(),
                "--head", "svm", "--c", "1", "--report", report), "classes [stripes_h, stripes_v]", "[c, stripes_h]");
        assertOneLineError(CliTestSupport.run("train-head", "--train", avg.toString(), "--head", "svm", "--c", "lots",
                "--report", report), "--c", "'lots'");
        assertFalse(Files.exists(Path.of(report)), "no report from a refused run");
    }

    @Test
    void transferRunsTheRecipeWritesTheReportAndAnExportThatReadsBack() throws IOException {
        Path report = tmp.resolve("out/report.json");
        Path export = tmp.resolve("out/export");
        var r = CliTestSupport.run(model("transfer", "--layer", "conv2", "--oversample", "--train", train.toString(),
                "--val", val.toString(), "--head", "svm", "--report", report.toString(), "--export", export.toString()));
        assertEquals(0, r.status(), r.toString());
        assertTrue(r.out().contains("val accuracy") && r.out().contains("export read back: 6 of 6"), r.out());
        assertTrue(r.err().contains("skipped") && r.err().contains("broken.jpg"), r.err());
        JsonNode rep = json(report);
        for (String field : new String[] {"val_accuracy", "train_accuracy", "n_train", "n_val", "skipped", "recipe",
            "timings_seconds", "confusion", "per_class", "export"}) {
            assertTrue(rep.has(field), field + " missing from " + rep);
        }
        assertEquals(10, rep.get("n_train").asInt());
        assertEquals(6, rep.get("n_val").asInt());
        assertEquals(1, rep.get("skipped").size());
        assertTrue(rep.at("/skipped/0/reason").asText().length() > 3);
        assertTrue(rep.at("/recipe/oversample").asBoolean());
        assertEquals(1.0, rep.get("c").asDouble(), "the default C");
        assertEquals("given", rep.get("c_selection").asText());
        assertTrue(rep.at("/timings_seconds/command").asDouble() > 0);
        assertTrue(rep.at("/export/check/passed").asBoolean());
        for (String f : new String[] {"deploy.prototxt", "model.caffemodel", "labels.txt", "recipe.json"}) {
            assertTrue(Files.isRegularFile(export.resolve(f)), f);
        }
        assertTrue(Files.isRegularFile(tmp.resolve("out/report.codes/train.npy")), "feature files beside the report");
    }

    @Test
    void transferSplitsOneFolderBySeededRatio() throws IOException {
        Path report = tmp.resolve("split.json");
        var r = CliTestSupport.run(model("transfer", "--layer", "conv2", "--data", val.toString(), "--val-fraction",
                "0.34", "--head", "softmax", "--c", "1", "--report", report.toString()));
        assertEquals(0, r.status(), r.toString());
        JsonNode rep = json(report);
        assertEquals(4, rep.get("n_train").asInt());
        assertEquals(2, rep.get("n_val").asInt());
        assertEquals("given", rep.get("c_selection").asText());
    }

    @Test
    void transferRefusesToExportAnL2HeadBeforeWorking() {
        var r = CliTestSupport.run(model("transfer", "--layer", "conv2", "--train", train.toString(), "--val",
                val.toString(), "--head", "softmax", "--preprocessing", "l2", "--report",
                tmp.resolve("r.json").toString(), "--export", tmp.resolve("e").toString()));
        assertOneLineError(r, "--export", "L2", "standardize");
        assertFalse(Files.exists(tmp.resolve("r.codes")));
    }

    @Test
    void weightsListShowsTheManifestsModels() {
        var r = CliTestSupport.run("weights", "list");
        assertEquals(0, r.status(), r.toString());
        for (String name : new String[] {"bvlc_alexnet", "bvlc_reference_caffenet", "bvlc_googlenet",
            "squeezenet_v1.0", "squeezenet_v1.1"}) {
            assertTrue(r.out().contains(name), name + " in\n" + r.out());
        }
        assertTrue(r.out().contains("fire9/concat (512)") && r.out().contains("227x227"), r.out());
    }

    @Test
    void weightsFetchDownloadsAndVerifiesFromTheManifestsUrlAndRefusesAMismatch() throws Exception {
        byte[] body = "pretend caffemodel bytes".repeat(1000).getBytes(StandardCharsets.US_ASCII);
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/toy.caffemodel", ex -> {
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream os = ex.getResponseBody()) {
                os.write(body);
            }
        });
        server.start();
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/toy.caffemodel";
            Path tmpBody = Files.write(tmp.resolve("body"), body);
            Path good = manifest("good.json", url, Fetcher.digest(tmpBody, "SHA-1"));
            Path dir = tmp.resolve("w");
            var r = CliTestSupport.run("weights", "fetch", "toy", "--dir", dir.toString(), "--manifest",
                    good.toString(), "--quiet");
            assertEquals(0, r.status(), r.toString());
            assertTrue(r.out().contains("SHA-1 verified"), r.out());
            assertEquals(body.length, Files.size(dir.resolve("toy.caffemodel")));
            var again = CliTestSupport.run("weights", "fetch", "toy", "--dir", dir.toString(), "--manifest",
                    good.toString(), "--quiet");
            assertTrue(again.out().contains("already present"), again.out());

            Path bad = manifest("bad.json", url, "0".repeat(40));
            Path badDir = tmp.resolve("w2");
            var mismatch = CliTestSupport.run("weights", "fetch", "toy", "--dir", badDir.toString(), "--manifest",
                    bad.toString(), "--quiet");
            assertOneLineError(mismatch, "0".repeat(40), "SHA-1");
            assertFalse(Files.exists(badDir.resolve("toy.caffemodel")));
            assertOneLineError(CliTestSupport.run("weights", "fetch", "nosuch", "--manifest", good.toString()),
                    "unknown model 'nosuch'", "toy");
        } finally {
            server.stop(0);
        }
    }

    private Path manifest(String name, String url, String sha1) throws IOException {
        return manifest(name, url, sha1, "toy.caffemodel");
    }

    private Path manifest(String name, String url, String sha1, String caffemodel) throws IOException {
        String json = """
                {"format": "cortado-weights/1", "labels": {},
                 "models": [{"name": "toy", "description": "a test model", "caffemodel": "%s",
                   "urls": ["%s"], "sha1": "%s", "checksum_source": "this test", "license": "none",
                   "input": {"height": 12, "width": 12, "resize_height": 14, "resize_width": 14},
                   "mean": {"values": [110, 100, 90], "file": null},
                   "code_layer": {"layer": "conv2", "activation": "post", "pooling": "avg", "dim": 8, "note": ""},
                   "labels": "none", "deploy": {"url": "none", "shared": null}}]}
                """.formatted(caffemodel, url, sha1);
        return Files.writeString(tmp.resolve(name), json);
    }
}

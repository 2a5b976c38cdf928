package org.cortado.cli;

import static org.cortado.cli.FoundationCommandsTest.assertOneLineError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.cortado.data.TestImages;
import org.cortado.testing.TinyImages;
import org.cortado.testing.TinyNet;
import org.cortado.testing.TinyNets;
import org.cortado.weights.Fetcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * codes, transfer, finetune, probe, advise and weights fetch end in one line and a non-zero status, with no output
 * file, when there is nothing usable: no image that decodes, or no mirror that serves the file.
 */
class NoFalseSuccessCommandsTest {
    @TempDir
    Path tmp;

    /** Class folders whose files all carry image names and hold no image. */
    private Path broken(String name, int perClass) throws IOException {
        Path root = tmp.resolve(name);
        for (String cls : List.of("stripes_h", "stripes_v")) {
            Path d = Files.createDirectories(root.resolve(cls));
            for (int i = 0; i < perClass; i++) {
                Files.writeString(d.resolve("img" + i + ".png"), "not a PNG");
            }
        }
        return root;
    }

    private String[] tinyModel(TinyNet.Files tiny, String command, String... more) {
        return FoundationCommandsTest.concat(new String[] {command, "--model", tiny.deploy().toString(), "--weights",
            tiny.caffemodel().toString(), "--resize", "14x14", "--crop", "12", "--mean-values", "110,100,90",
            "--quiet"}, more);
    }

    @Test
    void codesOfAFolderWithoutOneImageFailsAndWritesNothing() throws IOException {
        TinyNet.Files tiny = TinyNet.write(tmp, 5);
        Path data = broken("data", 3);
        Path out = tmp.resolve("f/codes.npy");
        var r = CliTestSupport.run(tinyModel(tiny, "codes", "--layer", "conv2", "--data", data.toString(), "--out",
                out.toString()));
        assertOneLineError(r, "cortado codes: no usable image in " + data + ": all 6 of 6 files were skipped (first: "
                + data.resolve("stripes_h/img0.png") + ": ");
        assertFalse(Files.exists(out));
        assertFalse(Files.exists(tmp.resolve("f/codes.parts")), "nothing kept to resume");
        assertFalse(Files.exists(tmp.resolve("f/codes.json")));
    }

    @Test
    void transferWithoutOneValidationImageFailsAndWritesNoReport() throws IOException {
        TinyNet.Files tiny = TinyNet.write(tmp, 5);
        Path train = TestImages.stripeFolders(tmp.resolve("train"), 5, 0);
        Path val = broken("val", 2);
        Path report = tmp.resolve("out/r.json");
        var r = CliTestSupport.run(tinyModel(tiny, "transfer", "--layer", "conv2", "--train", train.toString(),
                "--val", val.toString(), "--head", "softmax", "--c", "1", "--report", report.toString(), "--export",
                tmp.resolve("out/e").toString()));
        assertOneLineError(r, "cortado transfer: no usable image in " + val + ": all 4 of 4 files were skipped");
        assertFalse(Files.exists(report));
        assertFalse(Files.exists(tmp.resolve("out/e")));
    }

    @Test
    void finetuneWithoutOneTrainingImageFailsAndWritesNothing() throws IOException {
        TinyImages.write(tmp.resolve("data"), 12, 6, 5);
        Files.writeString(tmp.resolve("tiny.prototxt"), TinyNets.DEPLOY);
        TinyImages.writeTinyWeights(tmp.resolve("tiny.caffemodel"), 9);
        Path train = broken("train", 4);
        Files.move(train.resolve("stripes_h"), train.resolve("horizontal"));
        Files.move(train.resolve("stripes_v"), train.resolve("vertical"));
        Path out = tmp.resolve("out");
        var r = CliTestSupport.run("finetune", "--model", tmp.resolve("tiny.prototxt").toString(),
                "--weights", tmp.resolve("tiny.caffemodel").toString(), "--train", train.toString(),
                "--val", tmp.resolve("data/val").toString(), "--replace", "conv_final", "--batch", "5",
                "--mean-values", "128", "--scale", "0.015625", "--threads", "1", "--epochs", "1",
                "--report", out.resolve("r.json").toString(), "--export", out.resolve("export").toString());
        assertOneLineError(r, "cortado finetune: no usable training image in " + train
                + ": all 8 of 8 files were skipped (first: ");
        assertFalse(r.out().contains("final val accuracy"), r.out());
        assertFalse(Files.exists(out));
    }

    @Test
    void probeAndAdviseWithoutOneUsableImageFailAndWriteNoReportOrPage() throws IOException {
        TinyNet.Files tiny = TinyNet.write(tmp, 5);
        Path good = TestImages.stripeFolders(tmp.resolve("good"), 3, 0);
        Path bad = broken("bad", 2);
        Path out = tmp.resolve("out");
        var r = CliTestSupport.run(tinyModel(tiny, "probe", "--train", bad.toString(), "--val", good.toString(),
                "--report", out.resolve("p.json").toString(), "--html", out.resolve("p.html").toString()));
        assertOneLineError(r, "cortado probe: no usable image in " + bad + ": all 4 of 4 files were skipped (first: "
                + bad.resolve("stripes_h/img0.png") + ": ");
        r = CliTestSupport.run(tinyModel(tiny, "advise", "--train", good.toString(), "--val", bad.toString(),
                "--run", "--report", out.resolve("a.json").toString(), "--html", out.resolve("a.html").toString()));
        assertOneLineError(r, "cortado advise: no usable image in " + bad + ": all 4 of 4 files were skipped");
        assertFalse(r.out().contains("case:"), r.out());
        assertFalse(Files.exists(out.resolve("p.json")) || Files.exists(out.resolve("p.html"))
                || Files.exists(out.resolve("a.json")) || Files.exists(out.resolve("a.html")));
    }

    @Test
    void weightsFetchRefusesARedirectToAFileAndTakesTheNextMirror() throws Exception {
        byte[] body = "pretend caffemodel bytes".repeat(1000).getBytes(StandardCharsets.US_ASCII);
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/good.caffemodel", ex -> {
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream os = ex.getResponseBody()) {
                os.write(body);
            }
        });
        server.createContext("/tofile", ex -> {
            ex.getResponseHeaders().add("Location", "file:///etc/passwd");
            ex.sendResponseHeaders(302, -1);
            ex.close();
        });
        server.start();
        try {
            String base = "http://127.0.0.1:" + server.getAddress().getPort();
            String sha1 = Fetcher.digest(Files.write(tmp.resolve("body"), body), "SHA-1");
            Path both = manifest("both.json", List.of(base + "/tofile", base + "/good.caffemodel"), sha1, body.length);
            Path dir = tmp.resolve("w");
            var r = CliTestSupport.run("weights", "fetch", "toy", "--dir", dir.toString(), "--manifest",
                    both.toString(), "--quiet");
            assertEquals(0, r.status(), r.toString());
            assertTrue(r.out().contains("note: " + base + "/tofile: redirected to file:///etc/passwd is not an http or"
                    + " https URL (not followed); trying the next mirror"), r.out());
            assertTrue(r.out().contains("downloaded from " + base + "/good.caffemodel"), r.out());
            assertEquals(body.length, Files.size(dir.resolve("toy.caffemodel")));

            Path onlyFile = manifest("file.json", List.of(base + "/tofile"), sha1, body.length);
            Path none = tmp.resolve("w2");
            var refused = CliTestSupport.run("weights", "fetch", "toy", "--dir", none.toString(), "--manifest",
                    onlyFile.toString(), "--quiet");
            assertOneLineError(refused, "cortado weights fetch: I/O error: toy.caffemodel: " + base + "/tofile: redirected to"
                    + " file:///etc/passwd is not an http or https URL");
            assertFalse(refused.err().contains("ClassCastException"), refused.err());
            assertFalse(Files.exists(none.resolve("toy.caffemodel")));

            Path small = manifest("small.json", List.of(base + "/good.caffemodel"), sha1, body.length - 1);
            var oversized = CliTestSupport.run("weights", "fetch", "toy", "--dir", none.toString(), "--manifest",
                    small.toString(), "--quiet");
            assertOneLineError(oversized, "announces " + body.length + " bytes, the manifest says "
                    + (body.length - 1));
            assertFalse(Files.exists(none.resolve("toy.caffemodel")));
            assertFalse(Files.exists(none.resolve("toy.caffemodel.part")));
        } finally {
            server.stop(0);
        }
    }

    private Path manifest(String name, List<String> urls, String sha1, long size) throws IOException {
        String json = """
                {"format": "cortado-weights/1", "labels": {},
                 "models": [{"name": "toy", "description": "a test model", "caffemodel": "toy.caffemodel",
                   "urls": [%s], "sha1": "%s", "size": %d, "checksum_source": "this test", "license": "none",
                   "input": {"height": 12, "width": 12, "resize_height": 14, "resize_width": 14},
                   "mean": {"values": [110, 100, 90], "file": null},
                   "code_layer": {"layer": "conv2", "activation": "post", "pooling": "avg", "dim": 8, "note": ""},
                   "labels": "none", "deploy": {"url": "none", "shared": null}}]}
                """.formatted(String.join(", ", urls.stream().map(u -> "\"" + u + "\"").toList()), sha1, size);
        return Files.writeString(tmp.resolve(name), json);
    }
}

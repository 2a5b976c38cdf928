package org.cortado.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.cortado.data.TestImages;
import org.cortado.features.FeatureFiles;
import org.cortado.features.FeatureSet;
import org.cortado.image.PixelLimit;
import org.cortado.testing.HostileImages;
import org.cortado.testing.TinyImages;
import org.cortado.testing.TinyNet;
import org.cortado.testing.TinyNets;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * codes, transfer, finetune, probe and advise over folders that hold small files claiming huge images, a thin strip
 * whose shorter-side resize would be gigapixels, and truncated JPEGs: the first kinds are skipped, each with one line
 * naming the file and the reason, the truncated ones used and named as warnings, and the runs succeed on the rest.
 */
class HostileImagesCommandsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    /** Adds the hostile files to {@code classDir}; returns the truncated JPEG, which decodes with a warning. */
    private static Path addHostileFiles(Path classDir) throws IOException {
        HostileImages.progressiveJpegClaiming(classDir.resolve("huge.jpg"), 26800, 26800);
        HostileImages.pngClaiming(classDir.resolve("huge.png"), 27000, 27000, 4096);
        HostileImages.jpeg(classDir.resolve("strip.jpg"), 1, 65500);
        byte[] jpeg = HostileImages.encodeJpeg(HostileImages.noise(120, 100, 9), false);
        return Files.write(classDir.resolve("cut.jpg"), HostileImages.truncated(jpeg, 0.6));
    }

    private TinyNet.Files tiny;
    private Path train;
    private Path val;

    @BeforeEach
    void data() throws IOException {
        tiny = TinyNet.write(tmp, 5);
        train = TestImages.stripeFolders(tmp.resolve("train"), 4, 0);
        addHostileFiles(train.resolve("stripes_v"));
        val = TestImages.stripeFolders(tmp.resolve("val"), 3, 40);
        byte[] jpeg = HostileImages.encodeJpeg(HostileImages.noise(120, 100, 11), false);
        Files.write(val.resolve("stripes_h/cut.jpg"), HostileImages.truncated(jpeg, 0.6));
    }

    /** The tiny net with a shorter-side resize to 227, which a 1 x 65500 strip turns into 3380 megapixels. */
    private String[] model(String command, String... more) {
        return FoundationCommandsTest.concat(new String[] {command, "--model", tiny.deploy().toString(), "--weights",
            tiny.caffemodel().toString(), "--resize-shorter", "227", "--crop", "12", "--mean-values", "110,100,90",
            "--layer", "conv2", "--quiet"}, more);
    }

    /** The three hostile files, each named on stdout and stderr with its reason, and no stack trace. */
    private static void assertSkippedAndNamed(CliTestSupport.Result r, String command) {
        assertEquals(0, r.status(), r.toString());
        assertTrue(r.out().contains("skipped 3 image(s):"), r.out());
        assertTrue(r.out().contains("huge.jpg: 26800 x 26800 = 718 megapixels exceeds the limit of 100 megapixels"),
                r.out());
        assertTrue(r.out().contains("huge.png: 27000 x 27000 = 729 megapixels exceeds the limit of 100 megapixels"),
                r.out());
        assertTrue(r.out().contains("strip.jpg: a 1x65500 image resized (shorter-side 227) to 227 x 14868500 = 3380"
                + " megapixels exceeds the limit of 100 megapixels"), r.out());
        for (String name : List.of("huge.jpg", "huge.png", "strip.jpg")) {
            assertEquals(1, r.err().lines().filter(l -> l.startsWith("cortado " + command + ": skipped ")
                    && l.contains(name)).count(), r.err());
        }
        assertFalse(r.err().contains("\tat ") || r.err().contains("Exception"), r.err());
    }

    /** A report of train and val above: the files skipped and the truncated JPEGs of both sets used, as warnings. */
    private static void assertReportsNineAndSevenImagesAndTheHostileFiles(JsonNode json) {
        assertEquals(9, json.get("n_train").asInt());
        assertEquals(7, json.get("n_val").asInt());
        assertEquals(List.of("huge.jpg", "huge.png", "strip.jpg"), files(json.get("skipped")));
        assertEquals(List.of("cut.jpg", "cut.jpg"), files(json.get("warnings")));
    }

    private static List<String> files(JsonNode notes) {
        List<String> out = new ArrayList<>();
        notes.forEach(n -> out.add(Path.of(n.get("file").asText()).getFileName().toString()));
        return out;
    }

    @Test
    void codesSkipsTheHostileFilesAndNamesTheTruncatedOne() throws IOException {
        Path out = tmp.resolve("f/codes.npy");
        var r = CliTestSupport.run(model("codes", "--data", train.toString(), "--out", out.toString()));
        assertSkippedAndNamed(r, "codes");
        assertTrue(r.out().contains("decoded with warnings: 1 image(s)") && r.out().contains("cut.jpg: libjpeg-turbo")
                || r.out().contains("cut.jpg: ImageIO"), r.out());
        FeatureSet set = FeatureFiles.read(out);
        assertEquals(9, set.rows(), "8 stripes and the truncated JPEG");
        JsonNode meta = JSON.readTree(FeatureFiles.metadataPath(out).toFile());
        assertEquals(List.of("huge.jpg", "huge.png", "strip.jpg"), files(meta.get("skipped")));
        assertEquals(List.of("cut.jpg"), files(meta.get("warnings")));
        assertFalse(meta.at("/warnings/0/reason").asText().isBlank());
        assertEquals(List.of("cut.jpg"), set.warnings().stream().map(w -> w.file().getFileName().toString()).toList());
    }

    @Test
    void transferSkipsTheHostileFilesAndReportsBothWarnings() throws IOException {
        Path report = tmp.resolve("r/report.json");
        var r = CliTestSupport.run(model("transfer", "--train", train.toString(), "--val", val.toString(), "--report",
                report.toString(), "--head", "softmax", "--c", "1"));
        assertSkippedAndNamed(r, "transfer");
        assertTrue(r.out().contains("decoded with warnings: 2 image(s)"), r.out());
        assertReportsNineAndSevenImagesAndTheHostileFiles(JSON.readTree(report.toFile()));
    }

    @Test
    void finetuneSkipsTheHostileFilesUnderItsPixelLimitAndSucceedsOnTheRest() throws Exception {
        Path data = tmp.resolve("ft");
        TinyImages.write(data, 6, 3, 5);
        addHostileFiles(data.resolve("train/vertical"));
        Files.writeString(tmp.resolve("tiny.prototxt"), TinyNets.DEPLOY);
        TinyImages.writeTinyWeights(tmp.resolve("tiny.caffemodel"), 9);
        Path report = tmp.resolve("ft-report.json");
        // The net's 8x8 input makes the strip 8 x 524000 = 4.19 megapixels: under the default, over 1M.
        var r = CliTestSupport.run("finetune", "--model", tmp.resolve("tiny.prototxt").toString(), "--weights",
                tmp.resolve("tiny.caffemodel").toString(), "--train", data.resolve("train").toString(), "--val",
                data.resolve("val").toString(), "--replace", "conv_final", "--batch", "5", "--mean-values", "128",
                "--scale", "0.015625", "--threads", "2", "--epochs", "1", "--max-pixels", "1M", "--report",
                report.toString());
        assertEquals(0, r.status(), r.toString());
        assertFalse(r.err().contains("\tat ") || r.err().contains("Exception"), r.err());
        assertTrue(r.out().contains("huge.jpg: 26800 x 26800 = 718 megapixels exceeds the limit of 1 megapixels"),
                r.out());
        assertTrue(r.out().contains("strip.jpg: a 1x65500 image resized (shorter-side 8) to 8 x 524000 = 4.19"
                + " megapixels exceeds the limit of 1 megapixels"), r.out());
        assertTrue(r.out().contains("decoded with warnings: 1 image(s)"), r.out());
        JsonNode json = JSON.readTree(report.toFile());
        assertEquals(13, json.get("n_train").asInt(), "12 stripes and the truncated JPEG");
        assertEquals(List.of("huge.jpg", "huge.png", "strip.jpg"), files(json.get("skipped")).stream().sorted()
                .toList());
        assertEquals(List.of("cut.jpg"), files(json.get("warnings")));
        // The option lasted for its command only.
        assertEquals(PixelLimit.DEFAULT, PixelLimit.current());
    }

    /** The tiny net with probe's options: both its layers, two folds. */
    private String[] probe(String command, String... more) {
        return FoundationCommandsTest.concat(new String[] {command, "--model", tiny.deploy().toString(), "--weights",
            tiny.caffemodel().toString(), "--resize-shorter", "227", "--crop", "12", "--mean-values", "110,100,90",
            "--train", train.toString(), "--val", val.toString(), "--quiet"}, more);
    }

    @Test
    void probeSkipsTheHostileFilesAndReportsBothWarnings() throws IOException {
        Path report = tmp.resolve("probe.json");
        var r = CliTestSupport.run(probe("probe", "--layers", "conv1,conv2", "--folds", "2", "--report",
                report.toString(), "--html", tmp.resolve("probe.html").toString()));
        assertSkippedAndNamed(r, "probe");
        assertTrue(r.out().contains("decoded with warnings: 2 image(s)"), r.out());
        assertReportsNineAndSevenImagesAndTheHostileFiles(JSON.readTree(report.toFile()));
        String page = Files.readString(tmp.resolve("probe.html"));
        assertTrue(page.contains("Images decoded with warnings") && page.contains("718 megapixels"), "the page lists"
                + " both");
    }

    @Test
    void adviseTakesItsPixelLimitAndReportsTheMeasurementsSkippedAndWarnings() throws IOException {
        Path report = tmp.resolve("a/advise.json");
        var r = CliTestSupport.run(probe("advise", "--max-pixels", "1M", "--report", report.toString()));
        assertEquals(0, r.status(), r.toString());
        assertFalse(r.err().contains("\tat ") || r.err().contains("Exception"), r.err());
        assertTrue(r.out().contains("skipped 3 image(s):") && r.out().contains("huge.jpg: 26800 x 26800 = 718"
                + " megapixels exceeds the limit of 1 megapixels"), r.out());
        assertEquals(1, r.err().lines().filter(l -> l.startsWith("cortado advise: skipped ")
                && l.contains("strip.jpg")).count(), r.err());
        assertTrue(r.out().contains("decoded with warnings: 2 image(s)"), r.out());
        JsonNode json = JSON.readTree(report.toFile());
        assertEquals(List.of("huge.jpg", "huge.png", "strip.jpg"), files(json.get("skipped")));
        assertEquals(List.of("cut.jpg", "cut.jpg"), files(json.get("warnings")));
        assertEquals(9, json.at("/measurements/n_train").asInt());
        assertEquals(PixelLimit.DEFAULT, PixelLimit.current(), "the option lasted for its command only");
    }

    @Test
    void aMalformedPixelLimitIsAUsageError() {
        var r = CliTestSupport.run(model("codes", "--data", val.toString(), "--out", tmp.resolve("x.npy").toString(),
                "--max-pixels", "lots"));
        assertEquals(Main.EXIT_USAGE, r.status(), r.toString());
        assertEquals(1, r.err().strip().lines().count(), r.toString());
        assertTrue(r.err().contains("--max-pixels takes a pixel count (100000000) or megapixels (100M), got 'lots'"),
                r.err());
    }
}

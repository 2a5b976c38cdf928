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
import org.cortado.data.TestImages;
import org.cortado.report.Xml;
import org.cortado.testing.TinyImages;
import org.cortado.testing.TinyNet;
import org.cortado.testing.TinyNets;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

/**
 * {@code --html} on transfer, train-head and finetune, and {@code cortado report}, on the tiny nets with a class
 * folder whose name is markup: the pages are well-formed, inert and carry the reports' figures and provenance.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HtmlCommandsTest {
    /** A folder name cannot hold "/": an opening tag alone, which would swallow the rest of a page as script. */
    static final String HOSTILE = "<script>alert(1)";

    @TempDir
    static Path tmp;

    private TinyNet.Files tiny;
    private Path transferReport;

    @BeforeAll
    void transfer() throws IOException {
        tiny = TinyNet.write(tmp, 5);
        Path train = TestImages.stripeFolders(tmp.resolve("train"), 5, 0);
        Path val = TestImages.stripeFolders(tmp.resolve("val"), 3, 40);
        Files.move(train.resolve("stripes_v"), train.resolve(HOSTILE));
        Files.move(val.resolve("stripes_v"), val.resolve(HOSTILE));
        transferReport = tmp.resolve("t.json");
        var r = CliTestSupport.run("transfer", "--model", tiny.deploy().toString(), "--weights",
                tiny.caffemodel().toString(), "--resize", "14x14", "--crop", "12", "--mean-values", "110,100,90",
                "--quiet", "--layer", "conv2", "--train", train.toString(), "--val", val.toString(), "--head",
                "softmax", "--c", "cv", "--folds", "2", "--report", transferReport.toString(), "--html",
                tmp.resolve("t.html").toString());
        assertEquals(0, r.status(), r.toString());
        assertTrue(r.out().contains("html -> " + tmp.resolve("t.html")), r.out());
    }

    private static Document page(Path html) throws IOException {
        Document d = Xml.parse(Files.readString(html));
        Xml.assertInert(d);
        return d;
    }

    @Test
    void transferPageShowsTheHostileClassAsTextAndTheReportCarriesPredictionsAndProvenance() throws IOException {
        String text = page(tmp.resolve("t.html")).getDocumentElement().getTextContent();
        assertTrue(text.contains("transfer: t.json") && text.contains(HOSTILE) && text.contains("Cross-validation of C")
                && text.contains("Map of the codes"), text);
        JsonNode json = new ObjectMapper().readTree(transferReport.toFile());
        assertEquals(json.get("n_val").asInt(), json.get("val_predictions").size());
        JsonNode p = json.get("val_predictions").get(0);
        assertTrue(p.get("probability").asDouble() >= 0.5 && p.has("true_probability") && p.has("file"), p.toString());
        assertTrue(Files.exists(Path.of(json.get("train_features").asText())));
        String command = json.at("/provenance/command_line").asText();
        assertTrue(command.startsWith("cortado transfer --model ") && command.contains("--html"), command);
        assertEquals(json.at("/recipe/weights_sha1").asText(), json.at("/provenance/weights_sha1").asText());
        assertEquals(40, json.at("/provenance/model_sha1").asText().length());
    }

    @Test
    void trainHeadAndReportRenderSavedReportsSideBySide() throws IOException {
        Path codes = tmp.resolve("t.codes");
        Path head = tmp.resolve("h.json");
        var r = CliTestSupport.run("train-head", "--train", codes.resolve("train.npy").toString(), "--val",
                codes.resolve("val.npy").toString(), "--head", "svm", "--c", "1", "--report", head.toString(), "--html",
                tmp.resolve("h.html").toString(), "--html-map", "tsne");
        assertEquals(0, r.status(), r.toString());
        JsonNode json = new ObjectMapper().readTree(head.toFile());
        assertTrue(json.at("/val_predictions/0").has("score"), "an SVM gives decision values");
        assertTrue(page(tmp.resolve("h.html")).getDocumentElement().getTextContent().contains("t-SNE"));

        Path both = tmp.resolve("both.html");
        r = CliTestSupport.run("report", transferReport.toString(), head.toString(), "--html", both.toString());
        assertEquals(0, r.status(), r.toString());
        String text = page(both).getDocumentElement().getTextContent();
        assertTrue(text.contains("2 reports") && text.contains("The reports side by side") && text.contains("t.json")
                && text.contains("h.json") && text.contains("train-head"), text);
    }

    @Test
    void finetunePageHasTheCurvesAndTheReportItsProvenance() throws Exception {
        Path dir = tmp.resolve("ft");
        TinyImages.write(dir.resolve("data"), 12, 6, 5);
        Files.writeString(dir.resolve("tiny.prototxt"), TinyNets.DEPLOY);
        TinyImages.writeTinyWeights(dir.resolve("tiny.caffemodel"), 9);
        Path report = dir.resolve("ft.json");
        var r = CliTestSupport.run("finetune", "--model", dir.resolve("tiny.prototxt").toString(), "--weights",
                dir.resolve("tiny.caffemodel").toString(), "--train", dir.resolve("data/train").toString(), "--val",
                dir.resolve("data/val").toString(), "--replace", "conv_final", "--batch", "5", "--mean-values", "128",
                "--scale", "0.015625", "--threads", "1", "--epochs", "2", "--report", report.toString(), "--html",
                dir.resolve("ft.html").toString());
        assertEquals(0, r.status(), r.toString());
        JsonNode json = new ObjectMapper().readTree(report.toFile());
        assertTrue(json.at("/provenance/command_line").asText().startsWith("cortado finetune "));
        assertEquals(40, json.at("/provenance/weights_sha1").asText().length());
        assertEquals(json.get("iterations").asInt(), json.at("/iteration_log/0/loss").size());
        String text = page(dir.resolve("ft.html")).getDocumentElement().getTextContent();
        assertTrue(text.contains("fine-tuning: ft.json") && text.contains("Accuracy after each epoch")
                && text.contains("Layers and their learning-rate multipliers"), text);

        // Without --report the page is made from the result itself.
        r = CliTestSupport.run("finetune", "--model", dir.resolve("tiny.prototxt").toString(), "--weights",
                dir.resolve("tiny.caffemodel").toString(), "--train", dir.resolve("data/train").toString(), "--val",
                dir.resolve("data/val").toString(), "--replace", "conv_final", "--batch", "5", "--mean-values", "128",
                "--scale", "0.015625", "--threads", "1", "--epochs", "1", "--html", dir.resolve("alone.html")
                        .toString());
        assertEquals(0, r.status(), r.toString());
        assertTrue(page(dir.resolve("alone.html")).getDocumentElement().getTextContent().contains("finetune run"));
    }

    @Test
    void reportRefusesWhatItCannotRenderInOneLineAndWritesNothing() throws IOException {
        Path out = tmp.resolve("never.html");
        assertOneLineError(CliTestSupport.run("report", tmp.resolve("missing.json").toString(), "--html",
                out.toString()), "missing.json", "no such file");
        Path bad = tmp.resolve("bad.json");
        Files.writeString(bad, "{\"classes\": [\"a\"], \"head\": \"svm\", \"train_confusion\": [[1, 2]]}");
        assertOneLineError(CliTestSupport.run("report", bad.toString(), "--html", out.toString()), "bad.json",
                "train_confusion.0 is not a row of 1 counts");
        assertOneLineError(CliTestSupport.run("report", transferReport.toString()), "--html");
        assertFalse(Files.exists(out), "no page from a refused run");
        var r = CliTestSupport.run("report", transferReport.toString(), "--html", out.toString(), "--html-map", "umap");
        assertEquals(Main.EXIT_USAGE, r.status(), r.toString());
        assertTrue(r.err().contains("umap"), r.err());
    }
}

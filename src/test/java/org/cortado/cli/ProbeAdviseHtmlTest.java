package org.cortado.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.cortado.data.TestImages;
import org.cortado.report.Xml;
import org.cortado.testing.TinyNet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

/**
 * {@code --html} on probe and advise, and {@code cortado report} of their saved reports, on the tiny net with a class
 * folder whose name is markup: the pages are well-formed and inert, and show the accuracy by layer, the measurements
 * against their thresholds, and the run advise made drawn by the transfer or fine-tuning page.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProbeAdviseHtmlTest {
    @TempDir
    static Path tmp;

    private TinyNet.Files tiny;
    private Path val;

    @BeforeAll
    void data() throws IOException {
        tiny = TinyNet.write(tmp, 5);
        val = TestImages.stripeFolders(tmp.resolve("val"), 3, 40);
        Files.move(val.resolve("stripes_v"), val.resolve(HtmlCommandsTest.HOSTILE));
    }

    /** Training images, {@code perClass} per class, made once per size. */
    private Path train(int perClass) throws IOException {
        Path train = tmp.resolve("train" + perClass);
        if (!Files.isDirectory(train)) {
            TestImages.stripeFolders(train, perClass, 0);
            Files.move(train.resolve("stripes_v"), train.resolve(HtmlCommandsTest.HOSTILE));
        }
        return train;
    }

    private String[] command(String name, Path train, String... more) {
        return FoundationCommandsTest.concat(new String[] {name, "--model", tiny.deploy().toString(), "--weights",
            tiny.caffemodel().toString(), "--resize", "14x14", "--crop", "12", "--mean-values", "110,100,90",
            "--train", train.toString(), "--val", val.toString(), "--quiet"}, more);
    }

    private static String pageText(Path html) throws IOException {
        Document d = Xml.parse(Files.readString(html));
        Xml.assertInert(d);
        return d.getDocumentElement().getTextContent();
    }

    private static JsonNode json(Path file) throws IOException {
        return new ObjectMapper().readTree(file.toFile());
    }

    @Test
    void probePageShowsEachLayerByDepthWithTheChosenOneAndTheJoinedRows() throws IOException {
        Path report = tmp.resolve("probe.json");
        Path html = tmp.resolve("probe.html");
        var r = CliTestSupport.run(command("probe", train(5), "--layers", "conv2,conv1", "--combine", "conv1+conv2",
                "--folds", "2", "--report", report.toString(), "--html", html.toString()));
        assertEquals(0, r.status(), r.toString());
        assertTrue(r.out().contains("html -> " + html), r.out());
        JsonNode j = json(report);
        String command = j.at("/provenance/command_line").asText();
        assertTrue(command.startsWith("cortado probe --model ") && command.contains("--html"), command);
        assertEquals(j.at("/recipe/weights_sha1").asText(), j.at("/provenance/weights_sha1").asText());
        assertTrue(j.get("warnings").isArray() && j.get("skipped").isArray(), j.toString());

        String text = pageText(html);
        String best = j.get("best_layer").asText();
        assertTrue(text.contains("probe: probe.json") && text.contains("Accuracy by layer")
                && text.contains(HtmlCommandsTest.HOSTILE) && text.contains("conv1+conv2")
                && text.contains("layers joined") && text.contains("Provenance") && text.contains(command), text);
        assertTrue(text.indexOf("conv1") < text.indexOf("conv2"), "by depth");
        assertTrue(text.contains("best layer by validation accuracy" + best), text);
        // Each row's validation accuracy is in the table as text.
        for (JsonNode row : j.get("layers")) {
            String val = String.format(java.util.Locale.ROOT, "%.4g", row.get("val_accuracy").asDouble())
                    .replaceAll("\\.?0+$", "");
            assertTrue(text.contains(val), row + " in " + text);
        }
    }

    @Test
    void advisePageShowsTheChecksTheCaseAndTheTransferItRanWithItsOwnPage() throws IOException {
        Path report = tmp.resolve("advise.json");
        Path html = tmp.resolve("advise.html");
        var r = CliTestSupport.run(command("advise", train(5), "--run", "--report", report.toString(), "--html",
                html.toString()));
        assertEquals(0, r.status(), r.toString());
        JsonNode j = json(report);
        assertEquals("codes", j.at("/recommendation/strategy").asText());
        assertEquals("size", j.at("/checks/0/key").asText());
        assertEquals(j.at("/measurements/top_stage/images_per_param").asDouble(), j.at("/checks/0/value").asDouble());
        assertEquals(j.at("/checks/0/value").asDouble() >= j.at("/checks/0/threshold").asDouble(),
                j.at("/checks/0/reached").asBoolean());
        assertEquals(j.get("case").asText(), j.at("/checks/0/verdict").asText() + "-"
                + j.at("/checks/1/verdict").asText());
        assertTrue(j.at("/ran/0/report/train_confusion").isArray(), "the transfer's own report is nested");
        assertTrue(j.at("/provenance/command_line").asText().startsWith("cortado advise "));

        String text = pageText(html);
        assertTrue(text.contains("advise: advise.json") && text.contains("Case: " + j.get("case").asText())
                && text.contains("Measurements against the thresholds") && text.contains("threshold 0.01")
                && text.contains("Accuracy by layer") && text.contains("Run 1 (transfer)")
                && text.contains("Confusion matrix of the validation images") && text.contains(HtmlCommandsTest.HOSTILE)
                && text.contains("Provenance"), text);
        assertTrue(text.contains(j.at("/recommendation/command").asText()), "the command to run it");
    }

    @Test
    void adviseThatFineTunesDrawsTheRunWithTheFineTuningPageAndReportRendersBothSavedReports() throws IOException {
        Path report = tmp.resolve("large.json");
        var r = CliTestSupport.run(command("advise", train(6), "--run", "--report", report.toString()));
        assertEquals(0, r.status(), r.toString());
        assertEquals("finetune", json(report).at("/recommendation/strategy").asText());

        Path probe = tmp.resolve("p.json");
        assertEquals(0, CliTestSupport.run(command("probe", train(6), "--layers", "conv1,conv2", "--folds", "2",
                "--report", probe.toString())).status());
        Path both = tmp.resolve("both.html");
        r = CliTestSupport.run("report", probe.toString(), report.toString(), "--html", both.toString());
        assertEquals(0, r.status(), r.toString());
        String text = pageText(both);
        assertTrue(text.contains("The reports side by side") && text.contains("probe: p.json")
                && text.contains("advise: large.json") && text.contains("Run 1 (fine-tuning)")
                && text.contains("Accuracy after each epoch"), text);
    }
}

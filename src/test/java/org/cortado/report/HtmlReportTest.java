package org.cortado.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/** Pages of each kind of report: well-formed, inert whatever the names in the report, and holding their numbers. */
class HtmlReportTest {
    @TempDir
    Path dir;

    private static HtmlReport.Rendered render(ObjectNode... reports) {
        List<HtmlReport.Source> sources = new java.util.ArrayList<>();
        for (int i = 0; i < reports.length; i++) {
            sources.add(new HtmlReport.Source("r" + i + ".json", null, reports[i]));
        }
        return HtmlReport.render(sources, HtmlReport.Options.DEFAULT);
    }

    private static List<Element> byName(Document d, String name) {
        return Xml.elements(d).stream().filter(e -> e.getLocalName().equals(name)).toList();
    }

    private static void assertUniqueIds(Document d) {
        List<String> ids = Xml.elements(d).stream().map(e -> e.getAttribute("id")).filter(s -> !s.isEmpty()).toList();
        assertEquals(ids.size(), ids.stream().distinct().count(), "ids are unique across the page");
    }

    @Test
    void headReportPageIsInertWithHostileClassAndFileNamesAndShowsEveryPart() throws Exception {
        ObjectNode report = SampleReports.head(dir);
        HtmlReport.Rendered page = render(report);
        Document d = Xml.parse(page.html());
        Xml.assertInert(d);
        String text = d.getDocumentElement().getTextContent();
        assertTrue(text.contains(SampleReports.HOSTILE_CLASS), "the hostile class name is shown as text");
        assertTrue(text.contains("no reader <b>for</b> it"), "the skipped file's reason is text");
        assertTrue(text.contains("cortado train-head --train 'a <b>'"), "the command line");
        for (String section : List.of("Confusion matrix of the validation images", "Precision and recall per class",
                "Cross-validation of C", "Misclassified validation images", "Map of the codes", "Skipped images",
                "Provenance")) {
            assertTrue(text.contains(section), section);
        }
        // Every misclassified image but the missing one is embedded, with its file name in its title.
        long wrong = 0;
        boolean missingIsWrong = false;
        for (var p : report.get("val_predictions")) {
            if (p.get("label").asInt() != p.get("predicted").asInt()) {
                wrong++;
                missingIsWrong |= p.get("file").asText().endsWith("/img2.png");
            }
        }
        assertTrue(wrong > 0, "the sample has mistakes to show");
        List<Element> images = byName(d, "img");
        assertEquals(wrong - (missingIsWrong ? 1 : 0), images.size());
        images.forEach(img -> assertTrue(img.getAttribute("src").startsWith("data:image/jpeg;base64,")));
        assertEquals(missingIsWrong ? 1 : 0, page.warnings().size(), page.warnings().toString());
        // The confusion counts are in a table as well as in the chart.
        int[][] confusion = new int[3][3];
        for (int t = 0; t < 3; t++) {
            for (int p = 0; p < 3; p++) {
                confusion[t][p] = report.at("/confusion/" + t + "/" + p).asInt();
            }
        }
        assertTrue(text.contains(confusion[1][1] + " ("), "counts with shares in the table");
        assertEquals(1, byName(d, "meta").stream().filter(m -> m.getAttribute("http-equiv")
                .equals("Content-Security-Policy")).count());
    }

    @Test
    void finetunePageDrawsEachRunOfAResumedTrainingAndTheFrozenLayers() {
        HtmlReport.Rendered page = render(SampleReports.finetune());
        Document d = Xml.parse(page.html());
        Xml.assertInert(d);
        String text = d.getDocumentElement().getTextContent();
        assertTrue(text.contains("training loss per iteration, run 2"), "the resumed run has its own curve");
        assertTrue(text.contains("run 2 from here"));
        assertTrue(text.contains("The run was resumed 1 time"));
        assertTrue(text.contains("run 1 50 images/s (iterations 1-4); run 2 60 images/s (iterations 5-10)"), text);
        assertTrue(text.contains("every layer through fire/concat"));
        assertTrue(text.contains("Loss and learning rate of every iteration (10)"));
        assertEquals(1, byName(d, "tr").stream().filter(tr -> "dim".equals(tr.getAttribute("class"))).count(),
                "the frozen layer is greyed");
        assertTrue(text.contains("1 of 4 validation images"), "the gallery counts the one mistake");
        assertEquals(1, page.warnings().size(), "its image is not on disk: " + page.warnings());
    }

    @Test
    void severalReportsSideBySideShareOneComparisonTable() throws Exception {
        HtmlReport.Rendered page = render(SampleReports.head(dir), SampleReports.finetune());
        Document d = Xml.parse(page.html());
        Xml.assertInert(d);
        assertEquals(2, byName(d, "article").size());
        Element first = byName(d, "table").get(0);
        String comparison = first.getTextContent();
        assertTrue(comparison.contains("The reports side by side") && comparison.contains("train-head")
                && comparison.contains("fine-tuning") && comparison.contains("val accuracy"), comparison);
        assertUniqueIds(d);
    }

    @Test
    void probePageListsTheLayersByDepthWithTheChosenOnesAndKeepsLayerAndClassNamesText() {
        HtmlReport.Rendered page = render(SampleReports.probe());
        Document d = Xml.parse(page.html());
        Xml.assertInert(d);
        String text = d.getDocumentElement().getTextContent();
        assertTrue(text.contains("probe: r0.json") && text.contains(SampleReports.HOSTILE_LAYER)
                && text.contains(SampleReports.HOSTILE_CLASS), "names are text: " + text);
        assertTrue(text.contains("best layer by validation accuracyconv2: 0.875 (7 of 8)"), text);
        assertTrue(text.contains("Accuracy by layer") && text.contains("Skipped images") && text.contains("729 megapixels")
                && text.contains("Images decoded with warnings") && text.contains("<premature> end of data segment")
                && text.contains("Provenance"), text);
        // The table: both single layers marked, the joined row after them; the numbers as text.
        Element table = byName(d, "table").stream().filter(t -> t.getTextContent().startsWith("Accuracy by layer"))
                .findFirst().orElseThrow();
        List<Element> rows = byName(d, "tr").stream().filter(tr -> table.isSameNode(tr.getParentNode()
                .getParentNode())).toList();
        assertEquals(4, rows.size(), "a header and three rows");
        assertTrue(rows.get(1).getTextContent().startsWith(SampleReports.HOSTILE_LAYER + "2160.10.910.625best (cv)"),
                rows.get(1).getTextContent());
        assertTrue(rows.get(2).getTextContent().endsWith("0.875best (val)"), rows.get(2).getTextContent());
        assertTrue(rows.get(3).getTextContent().endsWith("layers joined"), rows.get(3).getTextContent());
        assertEquals(List.of("best", "best", ""), rows.subList(1, 4).stream().map(tr -> tr.getAttribute("class"))
                .toList());
        assertEquals(List.of(), page.warnings());
    }

    @Test
    void advisePageShowsTheChecksOnTheirSidesAndEachRunByItsOwnPage() throws Exception {
        HtmlReport.Rendered page = render(SampleReports.advise(dir));
        Document d = Xml.parse(page.html());
        Xml.assertInert(d);
        String text = d.getDocumentElement().getTextContent();
        for (String part : List.of("Case: small-similar", "small: <i>few</i> images; similar.",
                "./cortado transfer --layer conv2 --train '<x>'", "runner-up, within 0.02",
                "Measurements against the thresholds", "measured 0.0195: small", "measured 0.62: similar",
                "Each measurement, its threshold and the side it falls on", "below", "at or above",
                "nothing learns", "Accuracy by layer", "What each run got",
                "Run 1 (train-head): codes of conv2 <softmax>", "Confusion matrix of the validation images",
                "Misclassified validation images", "Run 2 (fine-tuning): fine-tuning above conv2",
                "Accuracy after each epoch", SampleReports.HOSTILE_LAYER, SampleReports.HOSTILE_CLASS, "Provenance",
                "cortado advise --run")) {
            assertTrue(text.contains(part), part + " in " + text);
        }
        assertEquals(2, byName(d, "section").stream().filter(s -> "nested".equals(s.getAttribute("class"))).count());
        assertEquals(1, byName(d, "h3").stream().filter(h -> h.getTextContent().equals("Provenance")).count(),
                "one provenance block: the nested runs' are the advice's");
        assertUniqueIds(d);
    }

    @Test
    void aMalformedNestedReportIsNamedByItsPlaceInTheOuterOne() throws Exception {
        ObjectNode r = SampleReports.advise(dir);
        ((ObjectNode) r.at("/probe/layers/1")).put("val_accuracy", "high");
        var e = assertThrows(IllegalArgumentException.class, () -> render(r));
        assertEquals("r0.json: probe.layers.1.val_accuracy is not a number", e.getMessage());
    }

    @Test
    void probeAndAdviseSideBySideShareTheComparisonTable() throws Exception {
        Document d = Xml.parse(render(SampleReports.probe(), SampleReports.advise(dir)).html());
        Xml.assertInert(d);
        String comparison = byName(d, "table").get(0).getTextContent();
        assertTrue(comparison.contains("probe") && comparison.contains("advise") && comparison.contains("case")
                && comparison.contains("small-similar") && comparison.contains("0.875 (7 of 8)"), comparison);
    }

    @Test
    void anUnknownReportRendersAsATableOfItsValues() {
        ObjectNode r = new ObjectMapper().createObjectNode();
        r.put("chosen_layer", "fire7/concat").putObject("provenance").put("command_line", "cortado probe --x");
        r.putArray("layers").addObject().put("layer", SampleReports.HOSTILE_CLASS);
        Document d = Xml.parse(render(r).html());
        Xml.assertInert(d);
        String text = d.getDocumentElement().getTextContent();
        assertTrue(text.contains("probe report") && text.contains("fire7/concat") && text.contains("a list of 1"),
                text);
    }

    @Test
    void malformedReportsStopWithOneLineNamingTheReportAndField() throws Exception {
        ObjectNode r = SampleReports.head(dir);
        ((ArrayNode) r.get("confusion")).remove(0);
        var e = assertThrows(IllegalArgumentException.class, () -> render(r));
        assertEquals("r0.json: confusion has 2 rows for 3 classes", e.getMessage());
        ObjectNode s = SampleReports.head(dir);
        ((ObjectNode) s.at("/val_predictions/0")).put("predicted", 7);
        e = assertThrows(IllegalArgumentException.class, () -> render(s));
        assertEquals("r0.json: val_predictions.0.predicted is not a class index 0..2", e.getMessage());

        Path notJson = dir.resolve("bad.json");
        Files.writeString(notJson, "{\"a\": ");
        e = assertThrows(IllegalArgumentException.class, () -> HtmlReport.read(notJson));
        assertTrue(e.getMessage().startsWith(notJson + ": not valid JSON"), e.getMessage());
        Files.writeString(notJson, "[1, 2]");
        e = assertThrows(IllegalArgumentException.class, () -> HtmlReport.read(notJson));
        assertEquals(notJson + ": not a JSON report (expected an object at the top)", e.getMessage());
    }

    @Test
    void galleryIsCappedAndTheMapCanBeLeftOutOrMadeByTsne() throws Exception {
        ObjectNode r = SampleReports.head(dir);
        var src = List.of(new HtmlReport.Source("r.json", null, r));
        Document capped = Xml.parse(HtmlReport.render(src, new HtmlReport.Options(HtmlReport.Projection.NONE, 1))
                .html());
        assertEquals(1, byName(capped, "img").size());
        assertTrue(capped.getDocumentElement().getTextContent().contains("the 1 most confident mistakes are shown"));
        assertFalse(capped.getDocumentElement().getTextContent().contains("Map of the codes"));
        Document tsne = Xml.parse(HtmlReport.render(src, new HtmlReport.Options(HtmlReport.Projection.TSNE, 0))
                .html());
        assertTrue(tsne.getDocumentElement().getTextContent().contains("t-SNE (perplexity"));
    }

    @Test
    void missingFeatureFilesAreSaidOnThePageAndWarned() throws Exception {
        ObjectNode r = SampleReports.head(dir);
        r.put("train_features", dir.resolve("gone/train.npy").toString());
        HtmlReport.Rendered page = render(r);
        assertTrue(page.warnings().stream().anyMatch(w -> w.startsWith("r0.json: no map of the codes: ")
                && w.contains("gone")), page.warnings().toString());
        assertTrue(Xml.parse(page.html()).getDocumentElement().getTextContent().contains("no map of the codes"));
    }
}

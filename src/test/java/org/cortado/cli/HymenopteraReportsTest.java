package org.cortado.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.cortado.report.HeadlessChromium;
import org.cortado.report.Xml;
import org.cortado.testing.SharedData;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

/**
 * The acceptance of the HTML reports on the whole ants-vs-bees set: the transfer's page holds every misclassified
 * validation image in under 2 MB and opens clean in Chromium; so does the page of a fine-tuning run that was resumed
 * from a snapshot. The screenshots of both pages go to the folder named by {@code -Dcortado.screenshots} (default
 * target/report-screenshots): the README's pictures are made this way.
 */
@Tag("slow")
class HymenopteraReportsTest {
    /** The acceptance's limit on the page of the ants/bees transfer. */
    private static final long MAX_PAGE_BYTES = 2_000_000;
    private static final int WIDTH = 1100;

    @TempDir
    static Path tmp;

    private static Path shots() throws IOException {
        Path dir = Path.of(System.getProperty("cortado.screenshots", "target/report-screenshots"));
        Files.createDirectories(dir);
        return dir;
    }

    private static String[] model() {
        Path m = SharedData.require("models/squeezenet_v1.0");
        return new String[] {"--model", m.resolve("deploy.prototxt").toString(), "--weights",
            m.resolve("squeezenet_v1.0.caffemodel").toString()};
    }

    @Test
    void transferPageHoldsEveryMisclassifiedImageInUnderTwoMegabytes() throws Exception {
        HeadlessChromium browser = HeadlessChromium.require();
        Path data = SharedData.require("data/hymenoptera");
        Path report = tmp.resolve("transfer.json");
        Path html = tmp.resolve("transfer.html");
        var r = CliTestSupport.run(FoundationCommandsTest.concat(FoundationCommandsTest.concat(new String[] {"transfer"},
                model()), new String[] {"--layer", "fire9/concat", "--train", data.resolve("train").toString(), "--val",
                data.resolve("val").toString(), "--head", "softmax", "--quiet", "--report", report.toString(),
                "--html", html.toString()}));
        assertEquals(0, r.status(), r.toString());
        JsonNode json = new ObjectMapper().readTree(report.toFile());
        long wrong = 0;
        for (JsonNode p : json.get("val_predictions")) {
            wrong += p.get("label").asInt() != p.get("predicted").asInt() ? 1 : 0;
        }
        Document d = Xml.parse(Files.readString(html));
        Xml.assertInert(d);
        long images = Xml.elements(d).stream().filter(e -> e.getLocalName().equals("img")).count();
        long size = Files.size(html);
        System.out.printf("ants/bees transfer page: %d bytes, %d misclassified images embedded of %d, val accuracy"
                + " %s%n", size, images, wrong, json.get("val_accuracy"));
        assertTrue(wrong > 0 && images == wrong, images + " images for " + wrong + " mistakes");
        assertTrue(size < MAX_PAGE_BYTES, size + " bytes");
        ReportInBrowserTest.assertOpensClean(browser, html, tmp);
        screenshot(browser, html, "report-transfer");
    }

    @Test
    void finetunePageOfARunResumedFromASnapshot() throws Exception {
        HeadlessChromium browser = HeadlessChromium.require();
        Path data = SharedData.require("data/hymenoptera");
        Path snapshots = tmp.resolve("snapshots");
        Path report = tmp.resolve("finetune.json");
        Path html = tmp.resolve("finetune.html");
        String[] args = FoundationCommandsTest.concat(FoundationCommandsTest.concat(new String[] {"finetune"}, model()),
                new String[] {"--train", data.resolve("train").toString(), "--val", data.resolve("val").toString(),
                    "--replace", "conv_final", "--freeze-through", "fire8/concat", "--snapshot-dir",
                    snapshots.toString(), "--snapshot-every", "8", "--report", report.toString()});
        var r = CliTestSupport.run(args);
        assertEquals(0, r.status(), r.toString());
        // As if the run had stopped after iteration 16: without the last snapshot, --resume continues from 16.
        Files.delete(snapshots.resolve("iter_000024.json"));
        r = CliTestSupport.run(FoundationCommandsTest.concat(args, new String[] {"--resume", "--html",
            html.toString()}));
        assertEquals(0, r.status(), r.toString());
        JsonNode json = new ObjectMapper().readTree(report.toFile());
        assertEquals(2, json.get("iteration_log").size(), json.get("iteration_log").toString());
        assertEquals(17, json.at("/iteration_log/1/first_iteration").asInt());
        Document d = Xml.parse(Files.readString(html));
        Xml.assertInert(d);
        assertTrue(d.getDocumentElement().getTextContent().contains("run 2 from here"));
        System.out.printf("ants/bees fine-tuning page: %d bytes, val accuracy %s%n", Files.size(html),
                json.get("val_accuracy"));
        ReportInBrowserTest.assertOpensClean(browser, html, tmp);
        screenshot(browser, html, "report-finetune");
    }

    /** A full-page screenshot, and the top of the page at three quarters of its size for the README. */
    private static void screenshot(HeadlessChromium browser, Path html, String name) throws Exception {
        Path full = shots().resolve(name + "-full.png");
        browser.screenshot(html, WIDTH, 6000, full);
        BufferedImage page = ImageIO.read(full.toFile());
        BufferedImage top = page.getSubimage(0, 0, WIDTH, Math.min(page.getHeight(), 1800));
        int w = WIDTH * 3 / 4;
        int h = top.getHeight() * 3 / 4;
        BufferedImage small = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        var g = small.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BICUBIC);
        g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
        g.drawImage(top, 0, 0, w, h, null);
        g.dispose();
        ImageIO.write(small, "png", shots().resolve(name + ".png").toFile());
    }
}

package org.cortado.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.cortado.report.HeadlessChromium;
import org.cortado.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pages of a transfer and of a probe on a handful of ants and bees, opened in headless Chromium at a desktop and at
 * a phone width: each shows (the screenshots are not blank), the browser logs nothing to its console (the page's
 * Content-Security-Policy would log any script or fetch it blocked), and the bees' folder, named with a script tag,
 * stays text.
 */
class ReportInBrowserTest {
    static final String BEES = "bees<script>alert(1)";

    @TempDir
    static Path tmp;

    /** The first {@code n} images (by name) of a class folder, copied to {@code to}. */
    static void copy(Path from, Path to, int n) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.sorted().limit(n).toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
    }

    /** 4 training and 3 validation images of each class, copied once for the tests of this class. */
    private static synchronized void fewAntsAndBees() throws IOException {
        if (Files.isDirectory(tmp.resolve("val"))) {
            return;
        }
        Path data = SharedData.require("data/hymenoptera");
        for (String set : List.of("train", "val")) {
            int n = set.equals("train") ? 4 : 3;
            copy(data.resolve(set).resolve("ants"), tmp.resolve(set).resolve("ants"), n);
            copy(data.resolve(set).resolve("bees"), tmp.resolve(set).resolve(BEES), n);
        }
    }

    @Test
    void aFewAntsAndBeesOpenInChromiumWithoutConsoleMessagesOnADesktopAndAPhone() throws Exception {
        HeadlessChromium browser = HeadlessChromium.require();
        Path model = SharedData.require("models/squeezenet_v1.0");
        fewAntsAndBees();
        Path html = tmp.resolve("few.html");
        var r = CliTestSupport.run("transfer", "--model", model.resolve("deploy.prototxt").toString(), "--weights",
                model.resolve("squeezenet_v1.0.caffemodel").toString(), "--layer", "fire9/concat", "--train",
                tmp.resolve("train").toString(), "--val", tmp.resolve("val").toString(), "--head", "softmax", "--c",
                "1", "--quiet", "--report", tmp.resolve("few.json").toString(), "--html", html.toString());
        assertEquals(0, r.status(), r.toString());
        assertOpensCleanWithTheBeesAsText(browser, html, "Map of the codes");
    }

    @Test
    void theProbePageOfThreeLayersOpensCleanToo() throws Exception {
        HeadlessChromium browser = HeadlessChromium.require();
        Path model = SharedData.require("models/squeezenet_v1.0");
        fewAntsAndBees();
        Path html = tmp.resolve("probe.html");
        var r = CliTestSupport.run("probe", "--model", model.resolve("deploy.prototxt").toString(), "--weights",
                model.resolve("squeezenet_v1.0.caffemodel").toString(), "--layers", "pool1,fire5/concat,fire9/concat",
                "--combine", "pool1+fire9/concat", "--folds", "2", "--train", tmp.resolve("train").toString(), "--val",
                tmp.resolve("val").toString(), "--quiet", "--report", tmp.resolve("probe.json").toString(), "--html",
                html.toString());
        assertEquals(0, r.status(), r.toString());
        assertOpensCleanWithTheBeesAsText(browser, html, "Accuracy by layer", "pool1+fire9/concat");
    }

    /** {@link #assertOpensClean}, and the browser's DOM holds {@code parts}, the bees' folder as text, no script. */
    private static void assertOpensCleanWithTheBeesAsText(HeadlessChromium browser, Path html, String... parts)
            throws Exception {
        assertOpensClean(browser, html, tmp);
        String dom = browser.dumpDom(html).out();
        for (String part : parts) {
            assertTrue(dom.contains(part), part + " in " + dom);
        }
        assertTrue(dom.contains("bees&lt;script&gt;alert(1)"), dom);
        assertFalse(dom.contains("<script"), "no script element in the browser's DOM");
    }

    /** Desktop and phone screenshots that show a page, with nothing on the console; nothing links outside. */
    static void assertOpensClean(HeadlessChromium browser, Path html, Path dir) throws Exception {
        String page = Files.readString(html);
        assertEquals(page.split("://", -1).length - 1, page.split("http://www.w3.org/2000/svg", -1).length - 1,
                "the only URL in the page is the SVG namespace");
        for (int width : new int[] {1280, 390}) {
            Path png = dir.resolve(html.getFileName() + "-" + width + ".png");
            HeadlessChromium.Run run = browser.screenshot(html, width, 2400, png);
            assertEquals(List.of(), run.console(), "console messages at width " + width);
            HeadlessChromium.assertNotBlank(png, width);
        }
    }
}

package org.cortado.report;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * A page opened in headless Chromium: its screenshot, its DOM as the browser built it, and what the browser logged
 * to the page's console. The browser is Debian's {@code chromium} (or {@code chromium-browser},
 * {@code google-chrome}, or the one named by the system property {@code cortado.chromium}); tests that need it skip,
 * saying so, when there is none. Each run gets a fresh profile and no network service beyond what the page asks for,
 * and the page asks for nothing.
 */
public final class HeadlessChromium {
    private static final long TIMEOUT_SECONDS = 180;

    private final Path browser;

    private HeadlessChromium(Path browser) {
        this.browser = browser;
    }

    /** The browser; the calling test is skipped, with the reason, when none is installed. */
    public static HeadlessChromium require() {
        Path b = find();
        assumeTrue(b != null, "no headless browser: install Debian's chromium (apt-get install -y chromium) or set"
                + " -Dcortado.chromium=PATH");
        return new HeadlessChromium(b);
    }

    static Path find() {
        String property = System.getProperty("cortado.chromium");
        if (property != null && !property.isBlank()) {
            return Files.isExecutable(Path.of(property)) ? Path.of(property) : null;
        }
        List<Path> dirs = new ArrayList<>();
        for (String d : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (!d.isBlank()) {
                dirs.add(Path.of(d));
            }
        }
        dirs.add(Path.of("/usr/bin"));
        for (String name : List.of("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")) {
            for (Path d : dirs) {
                if (Files.isExecutable(d.resolve(name))) {
                    return d.resolve(name);
                }
            }
        }
        return null;
    }

    /**
     * What a run of the browser left: the console messages of the page (Chromium logs them to standard error as
     * {@code INFO:CONSOLE} lines with {@code --enable-logging=stderr}), and its standard output.
     */
    public record Run(List<String> console, String out) {
    }

    /** Opens {@code html} in a {@code width x height} window and saves what shows to {@code png}. */
    public Run screenshot(Path html, int width, int height, Path png) throws IOException, InterruptedException {
        Run r = run(html, "--window-size=" + width + "," + height, "--screenshot=" + png.toAbsolutePath());
        assertTrue(Files.isRegularFile(png), "no screenshot written: " + r);
        return r;
    }

    /** The DOM of {@code html} as the browser parsed it, serialised. */
    public Run dumpDom(Path html) throws IOException, InterruptedException {
        return run(html, "--dump-dom");
    }

    private Run run(Path html, String... more) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory("cortado-chromium");
        try {
            List<String> cmd = new ArrayList<>(List.of(browser.toString(), "--headless", "--no-sandbox",
                    "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--disable-extensions", "--hide-scrollbars",
                    "--force-device-scale-factor=1", "--enable-logging=stderr", "--v=0",
                    "--user-data-dir=" + profile));
            cmd.addAll(List.of(more));
            cmd.add(html.toAbsolutePath().toUri().toString());
            Path err = profile.resolve("stderr.txt");
            Path out = profile.resolve("stdout.txt");
            Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).redirectOutput(out.toFile()).start();
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                throw new AssertionError("the browser did not finish within " + TIMEOUT_SECONDS + " s");
            }
            List<String> console = new ArrayList<>();
            for (String line : Files.readAllLines(err, StandardCharsets.UTF_8)) {
                if (line.contains(":CONSOLE")) {
                    console.add(line);
                }
            }
            return new Run(console, Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            try (Stream<Path> s = Files.walk(profile)) {
                for (Path f : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(f);
                }
            }
        }
    }

    /**
     * The screenshot shows a page, not an empty window: a good share of its pixels differ from the background and
     * it has many colours (text, charts, thumbnails).
     */
    public static void assertNotBlank(Path png, int expectedWidth) throws IOException {
        BufferedImage img = ImageIO.read(png.toFile());
        assertTrue(img != null, png + " is not a PNG");
        assertTrue(img.getWidth() == expectedWidth, png + " is " + img.getWidth() + " wide, not " + expectedWidth);
        int background = img.getRGB(0, 0);
        long different = 0;
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < img.getHeight(); y += 2) {
            for (int x = 0; x < img.getWidth(); x += 2) {
                int c = img.getRGB(x, y);
                different += c != background ? 1 : 0;
                if (colours.size() < 1000) {
                    colours.add(c);
                }
            }
        }
        double share = different / (img.getWidth() / 2.0 * (img.getHeight() / 2.0));
        assertTrue(share > 0.02, png + ": only " + share + " of the pixels differ from the background");
        assertTrue(colours.size() > 50, png + ": only " + colours.size() + " colours");
    }
}

package org.cortado.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.cortado.io.AtomicFiles;

/**
 * A self-contained HTML page of one report or of several side by side: inline SVG charts and an inline style sheet,
 * thumbnails as {@code data:} URIs, no script, no font and nothing else fetched (a Content-Security-Policy says so to
 * the browser), so that it reads the same offline and as a mail attachment. The page of each report is chosen by the
 * keys its JSON holds ({@link ReportPages}).
 *
 * <pre>{@code
 * HtmlReport.write(Path.of("r.html"), List.of(HtmlReport.read(Path.of("r.json"))), HtmlReport.Options.DEFAULT);
 * }</pre>
 */
public final class HtmlReport {
    /** Misclassified images shown by default: a few hundred thumbnails keep a page within a couple of megabytes. */
    public static final int GALLERY_LIMIT = 200;
    /** A report larger than this is refused rather than read into memory. */
    static final long MAX_REPORT_BYTES = 256L << 20;
    private static final String POLICY = "default-src 'none'; img-src data:; style-src 'unsafe-inline'";
    private static final ObjectMapper JSON = new ObjectMapper();

    private HtmlReport() {
    }

    /** How the codes are mapped to two dimensions. */
    public enum Projection {
        PCA, TSNE, NONE;

        /** pca, tsne (or t-sne) or none. */
        public static Projection parse(String s) {
            return switch (s.strip().toLowerCase(java.util.Locale.ROOT)) {
                case "pca" -> PCA;
                case "tsne", "t-sne" -> TSNE;
                case "none" -> NONE;
                default -> throw new IllegalArgumentException("unknown map '" + s + "' (expected pca, tsne or none)");
            };
        }
    }

    /**
     * @param map          how the codes are mapped, or NONE for no map
     * @param galleryLimit misclassified images shown at most
     */
    public record Options(Projection map, int galleryLimit) {
        public static final Options DEFAULT = new Options(Projection.PCA, GALLERY_LIMIT);

        public Options {
            if (galleryLimit < 0) {
                throw new IllegalArgumentException("the gallery limit must not be negative, got " + galleryLimit);
            }
        }
    }

    /**
     * A report to render.
     *
     * @param name what the page calls it (the file name)
     * @param file where it was read from, to find files it names relative to it; null for one made in memory
     */
    public record Source(String name, Path file, JsonNode json) {
    }

    /**
     * The page and what it could not show (unreadable images, missing feature files), each in one line.
     */
    public record Rendered(String html, List<String> warnings) {
    }

    /** Reads a JSON report, refusing what is not one with a line naming the file. */
    public static Source read(Path file) {
        try {
            if (Files.size(file) > MAX_REPORT_BYTES) {
                throw new IllegalArgumentException(file + ": " + Files.size(file) + " bytes, larger than a report can"
                        + " be (" + MAX_REPORT_BYTES + ")");
            }
            JsonNode json = JSON.readTree(file.toFile());
            if (json == null || !json.isObject()) {
                throw new IllegalArgumentException(file + ": not a JSON report (expected an object at the top)");
            }
            return new Source(file.getFileName().toString(), file, json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(file + ": not valid JSON: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr() + ")"), e);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IllegalArgumentException(file + ": no such file", e);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    /** Renders the page, and writes it to {@code html} atomically; returns what could not be shown. */
    public static List<String> write(Path html, List<Source> reports, Options options) {
        Rendered r = render(reports, options);
        AtomicFiles.writeString(AtomicFiles.withParentFolder(html), r.html());
        return r.warnings();
    }

    public static Rendered render(List<Source> reports, Options options) {
        if (reports.isEmpty()) {
            throw new IllegalArgumentException("no report to render");
        }
        List<String> warnings = new ArrayList<>();
        int[] ids = {0};
        List<ReportJson> jsons = reports.stream().map(s -> new ReportJson(s.name(), s.json())).toList();
        List<ReportPage> pages = jsons.stream().map(ReportPages::of).toList();
        Html h = new Html();
        String title = reports.size() == 1 ? "cortado " + pages.get(0).kind(jsons.get(0)) + " report: "
                + reports.get(0).name() : "cortado: " + reports.size() + " reports";
        h.trusted("<!DOCTYPE html>\n").open("html", "lang", "en").open("head").empty("meta", "charset", "utf-8")
                .empty("meta", "http-equiv", "Content-Security-Policy", "content", POLICY)
                .empty("meta", "name", "viewport", "content", "width=device-width, initial-scale=1")
                .element("title", title).open("style").trusted(css()).close("style").close("head").open("body");
        h.open("header").element("h1", title);
        h.element("p", "Written by " + engine() + " from " + String.join(", ", reports.stream().map(Source::name)
                .toList()) + ". Everything is in this file: no script runs and nothing is fetched.", "class", "lede");
        if (reports.size() > 1) {
            comparison(h, jsons, pages);
        }
        h.close("header").open("div", "class", "reports");
        for (int i = 0; i < reports.size(); i++) {
            Source s = reports.get(i);
            List<String> own = new ArrayList<>();
            RenderContext ctx = new RenderContext(options, s.file(), own, ids);
            h.open("article", "id", "report-" + (i + 1));
            h.element("h2", pages.get(i).kind(jsons.get(i)) + ": " + s.name());
            pages.get(i).render(jsons.get(i), ctx, h);
            h.close("article");
            own.forEach(w -> warnings.add(s.name() + ": " + w));
        }
        h.close("div").open("footer").text(engine() + ". Charts are inline SVG; each chart's numbers are"
                + " in the text or the table beside it.").close("footer");
        h.close("body").close("html");
        return new Rendered(h.toString(), List.copyOf(warnings));
    }

    /** The table heading a page of several reports: each report's headline figures in a column. */
    private static void comparison(Html h, List<ReportJson> jsons, List<ReportPage> pages) {
        Map<String, String[]> rows = new LinkedHashMap<>();
        for (int i = 0; i < jsons.size(); i++) {
            for (Map.Entry<String, String> e : pages.get(i).headline(jsons.get(i)).entrySet()) {
                rows.computeIfAbsent(e.getKey(), k -> new String[jsons.size()])[i] = e.getValue();
            }
        }
        String[] headers = new String[jsons.size() + 1];
        headers[0] = "";
        for (int i = 0; i < jsons.size(); i++) {
            headers[i + 1] = jsons.get(i).name();
        }
        Table t = new Table("The reports side by side", headers);
        for (Map.Entry<String, String[]> e : rows.entrySet()) {
            String[] cells = new String[jsons.size() + 1];
            cells[0] = e.getKey();
            for (int i = 0; i < jsons.size(); i++) {
                cells[i + 1] = e.getValue()[i] == null ? "" : e.getValue()[i];
            }
            t.row(cells);
        }
        h.table(t);
    }

    private static String css() {
        try (InputStream in = HtmlReport.class.getResourceAsStream("report.css")) {
            if (in == null) {
                throw new IllegalStateException("report.css is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String engine() {
        String v = HtmlReport.class.getPackage().getImplementationVersion();
        return "cortado " + (v == null ? "development" : v);
    }
}

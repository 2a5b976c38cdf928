package org.cortado.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import org.cortado.features.Provenance;
import org.cortado.json.JsonTree;
import org.cortado.report.HtmlReport;
import org.cortado.report.RunProvenance;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * How a command's report goes out: the JSON with its {@code provenance} (command line, engine, checksums), and with
 * {@code --html FILE} the page of it.
 */
public final class ReportOutput {
    @Option(names = "--html", paramLabel = "FILE",
            description = "Also write the report as one self-contained HTML page (charts, tables, misclassified"
                    + " images; no script, nothing fetched). `cortado report` renders saved reports.")
    Path html;

    @Option(names = "--html-map", defaultValue = "pca", paramLabel = "pca|tsne|none",
            converter = ProjectionConverter.class,
            description = "The page's 2-D map of the codes: principal components, t-SNE, or none. Default:"
                    + " ${DEFAULT-VALUE}.")
    HtmlReport.Projection map;

    @Option(names = "--html-gallery", defaultValue = "" + HtmlReport.GALLERY_LIMIT, paramLabel = "N",
            converter = CountConverter.class,
            description = "Misclassified images shown at most (most confident mistakes first). Default:"
                    + " ${DEFAULT-VALUE}.")
    int gallery;

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    /** The default folder of a command's feature files: {@code R.codes} beside the report {@code R.json}. */
    public static Path codesBeside(Path report) {
        String name = report.getFileName().toString();
        String stem = name.endsWith(".json") ? name.substring(0, name.length() - 5) : name;
        return report.resolveSibling(stem + ".codes");
    }

    HtmlReport.Options options() {
        return new HtmlReport.Options(map, gallery);
    }

    /**
     * Adds the {@code provenance} object to {@code json}, writes it to {@code report} and, with {@code --html}, the
     * page; a null {@code weightsSha1} is computed from the file.
     */
    public void write(ObjectNode json, Path report, Path model, Path weights, String weightsSha1, PrintWriter out,
            PrintWriter err) {
        annotate(json, model, weights, weightsSha1);
        JsonTree.write(report, json);
        page(json, report, out, err);
    }

    /** {@link #write} for codes made as {@code codes} says (null: unknown). */
    void write(ObjectNode json, Path report, Provenance codes, PrintWriter out, PrintWriter err) {
        write(json, report, codes == null || codes.model() == null ? null : Path.of(codes.model()),
                codes == null || codes.weights() == null ? null : Path.of(codes.weights()),
                codes == null ? null : codes.weightsSha1(), out, err);
    }

    private void annotate(ObjectNode json, Path model, Path weights, String weightsSha1) {
        json.set("provenance", RunProvenance.of(spec.root().commandLine().getParseResult().originalArgs(),
                "cortado " + Errors.engineVersion(), model, weights, weightsSha1));
    }

    /** Writes the page of {@code json} (saved as {@code report}, or null) when {@code --html} was given. */
    void page(JsonNode json, Path report, PrintWriter out, PrintWriter err) {
        if (html == null) {
            return;
        }
        String name = report != null ? report.getFileName().toString() : spec.name() + " run";
        List<String> warnings = HtmlReport.write(html, List.of(new HtmlReport.Source(name, report, json)), options());
        warnings.forEach(w -> err.println("warning: " + w));
        out.println("html -> " + html);
    }

    /**
     * For a report that library code wrote itself ({@code finetune}'s): adds the provenance to it, rewriting it
     * atomically, and writes the page. Without a report file, the page is made from {@code result}, serialised as
     * the engine serialises it (snake_case keys).
     */
    void completeSavedReport(Path report, Object result, Path model, Path weights, PrintWriter out, PrintWriter err) {
        if (report == null && html == null) {
            return;
        }
        ObjectNode json;
        if (report != null) {
            try {
                json = (ObjectNode) new ObjectMapper().readTree(report.toFile());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read back " + report + ": " + e.getMessage(), e);
            }
        } else {
            json = new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                    .valueToTree(result);
        }
        annotate(json, model, weights, null);
        if (report != null) {
            JsonTree.write(report, json);
        }
        page(json, report, out, err);
    }

    static final class ProjectionConverter implements ITypeConverter<HtmlReport.Projection> {
        @Override
        public HtmlReport.Projection convert(String value) {
            return HtmlReport.Projection.parse(value);
        }
    }

    static final class CountConverter implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            int n;
            try {
                n = Integer.parseInt(value.strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("expected a count, got '" + value + "'");
            }
            if (n < 0) {
                throw new IllegalArgumentException("expected a count of 0 or more, got " + n);
            }
            return n;
        }
    }
}

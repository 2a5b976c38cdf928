package org.cortado.report;

import java.util.Map;

/**
 * One kind of report and how its page looks. The kind is recognised by the keys its JSON holds, so a saved report
 * renders without being told what wrote it. To add a kind: implement this
 * interface and list the class in {@link ReportPages#KINDS} before the generic page, which takes any report.
 */
interface ReportPage {
    /** Whether {@code r} is a report of this kind (judged by its keys). */
    boolean accepts(ReportJson r);

    /** What wrote the report, in words: "transfer", "fine-tuning". */
    String kind(ReportJson r);

    /**
     * The figures a reader compares first, label to value in reading order, for the table that heads a page of
     * several reports; labels shared by kinds (model, layer, val accuracy) line up in one row.
     */
    Map<String, String> headline(ReportJson r);

    /**
     * Writes the report's sections but the provenance (charts, their tables, the skipped images) into {@code h}: the
     * whole page of a report nested in another (an advise run's transfer), whose provenance is the outer one's.
     */
    void body(ReportJson r, RenderContext ctx, Html h);

    /** Writes the report's sections and its provenance into {@code h}. */
    default void render(ReportJson r, RenderContext ctx, Html h) {
        body(r, ctx, h);
        h.section("plain", () -> ProvenanceSection.render(h, r));
    }
}

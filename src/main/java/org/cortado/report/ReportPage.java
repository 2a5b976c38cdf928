package org.cortado.report;

import java.util.Map;

/**
 * One kind of report and how its page looks. The kind is recognised by the keys its JSON holds, so a saved report
 * renders without being told what wrote it. To add a kind (the probe and advise reports, say): implement this
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

    /** Writes the report's sections (charts, their tables, the provenance) into {@code h}. */
    void render(ReportJson r, RenderContext ctx, Html h);
}

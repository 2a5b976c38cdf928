package org.cortado.report;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The images a run left out, each with its reason, and those it used despite damage their decoder got past (a
 * truncated JPEG), each with the decoder's warning.
 */
final class Skipped {
    /** Rows listed; a longer list is cut, saying how many more there are. */
    static final int LISTED = 200;

    private Skipped() {
    }

    static void render(Html h, ReportJson r) {
        h.element("h3", "Skipped images");
        if (r.array("/skipped").isEmpty()) {
            h.element("p", "None: every image was read.");
        } else {
            list(h, r, "/skipped", " images left out", "reason");
        }
        if (!r.array("/warnings").isEmpty()) {
            h.element("h3", "Images decoded with warnings");
            h.element("p", "Used as decoded: their decoder got past damage (a truncated file, say) and filled in what"
                    + " was missing, so some of their pixels may be made up.");
            list(h, r, "/warnings", " images used despite a decoder warning", "warning");
        }
    }

    private static void list(Html h, ReportJson r, String pointer, String what, String reason) {
        JsonNode notes = r.array(pointer);
        Table t = new Table(notes.size() + what + (notes.size() > LISTED ? " (the first " + LISTED + " listed)" : ""),
                "file", reason);
        for (int i = 0; i < Math.min(LISTED, notes.size()); i++) {
            t.row(String.valueOf(r.text(pointer + "/" + i + "/file")), String.valueOf(r.text(pointer + "/" + i
                    + "/reason")));
        }
        h.table(t);
    }
}

package org.cortado.report;

import com.fasterxml.jackson.databind.JsonNode;

/** The images a run left out, each with its reason. */
final class Skipped {
    /** Rows listed; a longer list is cut, saying how many more there are. */
    static final int LISTED = 200;

    private Skipped() {
    }

    static void render(Html h, ReportJson r) {
        JsonNode skipped = r.array("/skipped");
        h.element("h3", "Skipped images");
        if (skipped.isEmpty()) {
            h.element("p", "None: every image was read.");
            return;
        }
        Table t = new Table(skipped.size() + " images left out" + (skipped.size() > LISTED ? " (the first "
                + LISTED + " listed)" : ""), "file", "reason");
        for (int i = 0; i < Math.min(LISTED, skipped.size()); i++) {
            t.row(String.valueOf(r.text("/skipped/" + i + "/file")), String.valueOf(r.text("/skipped/" + i
                    + "/reason")));
        }
        h.table(t);
    }
}

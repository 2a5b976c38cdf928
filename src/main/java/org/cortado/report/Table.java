package org.cortado.report;

import java.util.ArrayList;
import java.util.List;

/** A data table: the numbers behind a chart, or facts in rows; numeric columns are right-aligned. */
final class Table {
    private final String caption;
    private final List<String> headers;
    private final List<List<String>> rows = new ArrayList<>();
    private final List<String> rowClasses = new ArrayList<>();
    private final boolean[] numeric;
    private boolean wide;

    /** A table; a header starting with "#" marks a numeric column (the "#" is not shown). */
    Table(String caption, String... headers) {
        this.caption = caption;
        this.headers = new ArrayList<>();
        this.numeric = new boolean[headers.length];
        for (int i = 0; i < headers.length; i++) {
            numeric[i] = headers[i].startsWith("#");
            this.headers.add(numeric[i] ? headers[i].substring(1) : headers[i]);
        }
    }

    Table row(String... cells) {
        return rowWithClass(null, cells);
    }

    /** A row with a CSS class (e.g. "dim" for a frozen layer, "best" for the chosen value). */
    Table rowWithClass(String cssClass, String... cells) {
        if (cells.length != headers.size()) {
            throw new IllegalArgumentException(cells.length + " cells in a table of " + headers.size() + " columns");
        }
        rows.add(List.of(cells));
        rowClasses.add(cssClass);
        return this;
    }

    /** Spans the whole width of a section that otherwise puts charts and tables side by side. */
    Table wide() {
        wide = true;
        return this;
    }

    int size() {
        return rows.size();
    }

    void writeTo(Html h) {
        h.open("div", "class", wide ? "scroll wide" : "scroll").open("table");
        if (caption != null) {
            h.element("caption", caption);
        }
        h.open("thead").open("tr");
        for (int i = 0; i < headers.size(); i++) {
            h.element("th", headers.get(i), "scope", "col", "class", numeric[i] ? "num" : null);
        }
        h.close("tr").close("thead").open("tbody");
        for (int r = 0; r < rows.size(); r++) {
            h.open("tr", "class", rowClasses.get(r));
            List<String> row = rows.get(r);
            for (int i = 0; i < row.size(); i++) {
                if (i == 0 && !numeric[0]) {
                    h.element("th", row.get(i), "scope", "row");
                } else {
                    h.element("td", row.get(i), "class", numeric[i] ? "num" : null);
                }
            }
            h.close("tr");
        }
        h.close("tbody").close("table").close("div");
    }
}

package org.cortado.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Any JSON report the renderer has no page for (a newer command's, say): its values as a table, nested objects by
 * their path, arrays by their length, and the provenance; so that every report renders, if plainly.
 */
final class GenericPage implements ReportPage {
    /** Rows listed; a larger report is cut, saying so. */
    static final int ROWS = 300;

    @Override
    public boolean accepts(ReportJson r) {
        return true;
    }

    @Override
    public String kind(ReportJson r) {
        String command = r.text("/provenance/command_line");
        if (command != null) {
            String[] words = command.strip().split("\\s+");
            if (words.length > 1) {
                return words[1];
            }
        }
        return "report";
    }

    @Override
    public Map<String, String> headline(ReportJson r) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("kind", kind(r));
        if (r.has("/val_accuracy")) {
            m.put("val accuracy", Headline.accuracy(r.number("/val_accuracy"), r.number("/n_val")));
        }
        return m;
    }

    @Override
    public void body(ReportJson r, RenderContext ctx, Html h) {
        h.element("p", "cortado has no page for this kind of report yet; here are its values.");
        Table t = new Table("Values", "key", "value");
        int[] rows = {0};
        flatten(r.root(), "", t, rows);
        if (rows[0] > ROWS) {
            h.element("p", "The first " + ROWS + " of " + rows[0] + " values are listed.");
        }
        h.table(t);
    }

    private static void flatten(JsonNode n, String path, Table t, int[] rows) {
        if (n.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                flatten(e.getValue(), path.isEmpty() ? e.getKey() : path + "." + e.getKey(), t, rows);
            }
            return;
        }
        if (rows[0]++ >= ROWS) {
            return;
        }
        if (n.isArray()) {
            boolean scalars = n.size() <= 20;
            for (JsonNode v : n) {
                scalars &= v.isValueNode();
            }
            StringBuilder s = new StringBuilder();
            if (scalars) {
                for (JsonNode v : n) {
                    s.append(s.length() == 0 ? "" : ", ").append(v.asText());
                }
            } else {
                s.append("a list of ").append(n.size());
            }
            t.row(path, s.toString());
        } else {
            t.row(path, n.isNull() ? "null" : n.asText());
        }
    }
}

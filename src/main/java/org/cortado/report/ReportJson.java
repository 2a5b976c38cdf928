package org.cortado.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.ArrayList;
import java.util.List;

/**
 * A report's JSON, read defensively: a page draws what a report holds and says what it lacks, and a field of the
 * wrong shape stops the rendering with one line naming the report and the field.
 *
 * @param name the report's file name (or what it was made by), for messages and headings
 * @param base where {@code root} lies in the report (a JSON pointer, empty for the whole report), for messages
 */
record ReportJson(String name, JsonNode root, String base) {
    ReportJson(String name, JsonNode root) {
        this(name, root, "");
    }

    /** The object at {@code pointer} (a report nested in this one), whose messages name its place in this one. */
    ReportJson child(String pointer) {
        JsonNode n = root.at(pointer);
        if (!n.isObject()) {
            throw error(pointer, "is not an object");
        }
        return new ReportJson(name, n, base + pointer);
    }

    boolean has(String pointer) {
        JsonNode n = root.at(pointer);
        return !n.isMissingNode() && !n.isNull();
    }

    JsonNode node(String pointer) {
        return root.at(pointer);
    }

    /** The text at {@code pointer} (numbers and booleans as written), or null when absent. */
    String text(String pointer) {
        JsonNode n = root.at(pointer);
        if (n.isMissingNode() || n.isNull()) {
            return null;
        }
        if (n.isContainerNode()) {
            throw error(pointer, "is not a single value");
        }
        return n.asText();
    }

    /** The first of {@code pointers} that is present, or null. */
    String firstText(String... pointers) {
        for (String p : pointers) {
            String t = text(p);
            if (t != null) {
                return t;
            }
        }
        return null;
    }

    /** The number at {@code pointer}, NaN when absent. */
    double number(String pointer) {
        JsonNode n = root.at(pointer);
        if (n.isMissingNode() || n.isNull()) {
            return Double.NaN;
        }
        if (!n.isNumber()) {
            throw error(pointer, "is not a number");
        }
        return n.asDouble();
    }

    /** An array of numbers (null entries become NaN); an empty array when absent. */
    double[] numbers(String pointer) {
        JsonNode n = array(pointer);
        double[] out = new double[n.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode v = n.get(i);
            if (!v.isNull() && !v.isNumber()) {
                throw error(pointer + "/" + i, "is not a number");
            }
            out[i] = v.isNull() ? Double.NaN : v.asDouble();
        }
        return out;
    }

    /** The array at {@code pointer}, or an empty one when absent. */
    JsonNode array(String pointer) {
        JsonNode n = root.at(pointer);
        if (n.isMissingNode() || n.isNull()) {
            return JsonNodeFactory.instance.arrayNode();
        }
        if (!n.isArray()) {
            throw error(pointer, "is not an array");
        }
        return n;
    }

    /** The class names. */
    List<String> classes() {
        JsonNode n = array("/classes");
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n.size(); i++) {
            if (!n.get(i).isTextual()) {
                throw error("/classes/" + i, "is not a class name");
            }
            out.add(n.get(i).asText());
        }
        return out;
    }

    /** A square matrix of counts with one row per class, or null when absent. */
    int[][] counts(String pointer, int classes) {
        if (!has(pointer)) {
            return null;
        }
        JsonNode n = array(pointer);
        if (n.size() != classes) {
            throw error(pointer, "has " + n.size() + " rows for " + classes + " classes");
        }
        int[][] m = new int[classes][classes];
        for (int t = 0; t < classes; t++) {
            JsonNode row = n.get(t);
            if (!row.isArray() || row.size() != classes) {
                throw error(pointer + "/" + t, "is not a row of " + classes + " counts");
            }
            for (int p = 0; p < classes; p++) {
                JsonNode v = row.get(p);
                if (!v.canConvertToInt() || !v.isIntegralNumber() || v.asInt() < 0) {
                    throw error(pointer + "/" + t + "/" + p, "is not a count");
                }
                m[t][p] = v.asInt();
            }
        }
        return m;
    }

    /** A class index at {@code pointer}, checked against the number of classes. */
    int classIndex(String pointer, int classes) {
        JsonNode v = root.at(pointer);
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < 0 || v.asInt() >= classes) {
            throw error(pointer, "is not a class index 0.." + (classes - 1));
        }
        return v.asInt();
    }

    IllegalArgumentException error(String pointer, String what) {
        String at = base + pointer;
        return new IllegalArgumentException(name + ": " + (at.startsWith("/") ? at.substring(1) : at)
                .replace('/', '.') + " " + what);
    }
}

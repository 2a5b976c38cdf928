package org.cortado.report;

import java.util.Locale;

/**
 * Escaping for the report's HTML and SVG, which are written as well-formed XML (so that a test can parse them and a
 * browser reads them as HTML): text and attribute values from reports (class names, file names) never become markup,
 * and characters XML cannot hold (control characters, unpaired surrogates) become U+FFFD.
 */
public final class Markup {
    private Markup() {
    }

    /** {@code s} as element text. */
    public static String text(String s) {
        return escape(s, false);
    }

    /** {@code s} as an attribute value (inside double quotes). */
    public static String attr(String s) {
        return escape(s, true);
    }

    private static String escape(String s, boolean attribute) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append(attribute ? "&quot;" : "\"");
                case '\'' -> b.append(attribute ? "&#39;" : "'");
                default -> {
                    if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                        b.append(c).append(s.charAt(++i));
                    } else if (Character.isSurrogate(c) || c == 0xFFFE || c == 0xFFFF
                            || (c < 0x20 && c != '\t' && c != '\n' && c != '\r')) {
                        b.append('\uFFFD');
                    } else if (attribute && (c == '\n' || c == '\r' || c == '\t')) {
                        // Attribute normalisation would turn these into spaces; keep them as they are.
                        b.append("&#").append((int) c).append(';');
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.toString();
    }

    /** A number for SVG coordinates: at most two decimals, no exponent, Locale-independent. */
    public static String num(double v) {
        if (!Double.isFinite(v)) {
            return "0";
        }
        long r = Math.round(v * 100);
        if (r % 100 == 0) {
            return Long.toString(r / 100);
        }
        return String.format(Locale.ROOT, "%.2f", r / 100.0).replaceAll("0+$", "");
    }

    /** A figure for people: {@code digits} significant digits, or "n/a" for NaN. */
    public static String figure(double v, int digits) {
        if (Double.isNaN(v)) {
            return "n/a";
        }
        return String.format(Locale.ROOT, "%." + digits + "g", v).replaceAll("(\\.\\d*?)0+(e|$)", "$1$2")
                .replaceAll("\\.(e|$)", "$1");
    }

    /** A fraction as a percentage with one decimal. */
    public static String percent(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.1f%%", 100 * v);
    }
}

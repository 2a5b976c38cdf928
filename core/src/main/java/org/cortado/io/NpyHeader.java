package org.cortado.io;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The header of a NumPy {@code .npy} file: a Python dict literal such as
 * {@code {'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, 227, 227), }}. Parsed by a small reader of the
 * literals NumPy writes (strings, True/False, integers, tuples, lists) rather than by patterns, so that spacing,
 * quoting and key order do not matter.
 *
 * @param descr        the dtype: a string such as {@code <f4}, or a list for structured dtypes
 * @param fortranOrder whether the data are stored column-major
 * @param shape        the dimensions, outermost first ({@code ()} for a scalar)
 */
record NpyHeader(Object descr, boolean fortranOrder, long[] shape) {
    /** The spare spaces NumPy adds after the dict so that a growing axis can be rewritten in place. */
    private static final int GROWTH_AXIS_MAX_DIGITS = 21;
    /** NumPy aligns the data to this many bytes. */
    private static final int ALIGN = 64;
    /**
     * How deeply dicts, tuples and lists may nest. The reader recurses per level, so without a bound a header of
     * brackets would exhaust the stack; NumPy's own headers nest three levels at most (a structured dtype).
     */
    static final int MAX_NESTING = 100;
    /** How much of a bad header an error quotes. */
    private static final int QUOTE_CHARS = 160;

    /** Parses {@code text}, naming {@code file} in errors. */
    static NpyHeader parse(Path file, String text) {
        Object value = new Literal(file, text).parseTop();
        if (!(value instanceof Map<?, ?> dict)) {
            throw new NpyFormatException(file + ": .npy header is not a dict: " + quote(text));
        }
        Object descr = dict.get("descr");
        Object fortran = dict.get("fortran_order");
        Object shape = dict.get("shape");
        if (descr == null || !(fortran instanceof Boolean) || !(shape instanceof List<?> dims)) {
            throw new NpyFormatException(file + ": .npy header lacks 'descr', 'fortran_order' or 'shape': "
                    + quote(text));
        }
        long[] s = new long[dims.size()];
        for (int i = 0; i < s.length; i++) {
            if (!(dims.get(i) instanceof Long d) || d < 0) {
                throw new NpyFormatException(file + ": bad shape in .npy header: " + quote(text));
            }
            s[i] = d;
        }
        return new NpyHeader(descr, (Boolean) fortran, s);
    }

    /** The header for an error message: stripped, and cut short when long (a message is one line). */
    private static String quote(String text) {
        String t = text.strip();
        return t.length() <= QUOTE_CHARS ? t : t.substring(0, QUOTE_CHARS) + "... (" + t.length() + " characters)";
    }

    /** The header text as NumPy writes it for a C-order array: dict, growth spaces, padding to 64 bytes, newline. */
    static String format(String descr, long[] shape, int prefixBytes) {
        StringBuilder h = new StringBuilder("{'descr': '" + descr + "', 'fortran_order': False, 'shape': "
                + tuple(shape) + ", }");
        if (shape.length > 0) {
            h.append(" ".repeat(Math.max(0, GROWTH_AXIS_MAX_DIGITS - Long.toString(shape[0]).length())));
        }
        int pad = (ALIGN - (prefixBytes + h.length() + 1) % ALIGN) % ALIGN;
        return h.append(" ".repeat(pad)).append('\n').toString();
    }

    /** Dimensions as Python writes a tuple: {@code (2, 3)}, {@code (6,)}, {@code ()}. */
    static String tuple(long[] dims) {
        StringBuilder t = new StringBuilder("(");
        for (int i = 0; i < dims.length; i++) {
            t.append(i > 0 ? ", " : "").append(dims[i]);
        }
        return t.append(dims.length == 1 ? ",)" : ")").toString();
    }

    /** A human name for a dtype string: {@code <f8} is "float64", {@code >f4} "float32, big-endian". */
    static String describe(Object descr) {
        if (!(descr instanceof String d) || d.length() < 2) {
            return "structured";
        }
        char order = d.charAt(0);
        String body = "<>|=".indexOf(order) >= 0 ? d.substring(1) : d;
        String name;
        try {
            int bytes = Integer.parseInt(body.substring(1));
            name = switch (body.charAt(0)) {
                case 'f' -> "float" + 8 * bytes;
                case 'i' -> "int" + 8 * bytes;
                case 'u' -> "uint" + 8 * bytes;
                case 'c' -> "complex" + 8 * bytes;
                case 'b' -> "bool";
                default -> "kind '" + body.charAt(0) + "'";
            };
        } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
            name = "kind '" + body + "'";
        }
        return order == '>' ? name + ", big-endian" : name;
    }

    /** A reader of the Python literals that appear in .npy headers. */
    private static final class Literal {
        private final Path file;
        private final String s;
        private int i;
        /** Dicts, tuples and lists open at {@code i}. */
        private int depth;

        Literal(Path file, String s) {
            this.file = file;
            this.s = s;
        }

        Object parseTop() {
            Object v = value();
            skipSpace();
            if (i != s.length()) {
                throw error("unexpected text after the dict");
            }
            return v;
        }

        private Object value() {
            skipSpace();
            if (i >= s.length()) {
                throw error("unexpected end");
            }
            char c = s.charAt(i);
            if (c == '{' || c == '(' || c == '[') {
                if (depth == MAX_NESTING) {
                    throw error("brackets nested deeper than " + MAX_NESTING);
                }
                depth++;
                Object v = c == '{' ? dict() : sequence(c == '(' ? ')' : ']');
                depth--;
                return v;
            }
            if (c == '\'' || c == '"') {
                return string();
            }
            if (s.startsWith("True", i)) {
                i += 4;
                return Boolean.TRUE;
            }
            if (s.startsWith("False", i)) {
                i += 5;
                return Boolean.FALSE;
            }
            return integer();
        }

        private Map<String, Object> dict() {
            Map<String, Object> m = new TreeMap<>();
            i++;
            while (true) {
                skipSpace();
                if (peek() == '}') {
                    i++;
                    return m;
                }
                Object key = value();
                skipSpace();
                expect(':');
                m.put(String.valueOf(key), value());
                skipSpace();
                if (peek() == ',') {
                    i++;
                } else if (peek() != '}') {
                    throw error("expected ',' or '}'");
                }
            }
        }

        private List<Object> sequence(char close) {
            List<Object> items = new ArrayList<>();
            i++;
            while (true) {
                skipSpace();
                if (peek() == close) {
                    i++;
                    return items;
                }
                items.add(value());
                skipSpace();
                if (peek() == ',') {
                    i++;
                } else if (peek() != close) {
                    throw error("expected ',' or '" + close + "'");
                }
            }
        }

        private String string() {
            char quote = s.charAt(i++);
            int end = s.indexOf(quote, i);
            if (end < 0) {
                throw error("unterminated string");
            }
            String v = s.substring(i, end);
            i = end + 1;
            return v;
        }

        private Long integer() {
            int start = i;
            while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '-')) {
                i++;
            }
            // Headers written under Python 2 may hold long literals such as "3L".
            String digits = s.substring(start, i);
            if (i < s.length() && Character.toUpperCase(s.charAt(i)) == 'L') {
                i++;
            }
            try {
                return Long.parseLong(digits);
            } catch (NumberFormatException e) {
                throw error("unexpected '" + s.substring(start, Math.min(s.length(), start + 10)) + "'");
            }
        }

        private char peek() {
            if (i >= s.length()) {
                throw error("unexpected end");
            }
            return s.charAt(i);
        }

        private void expect(char c) {
            if (peek() != c) {
                throw error("expected '" + c + "'");
            }
            i++;
        }

        private void skipSpace() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
        }

        private NpyFormatException error(String what) {
            return new NpyFormatException(String.format(Locale.ROOT, "%s: bad .npy header at character %d (%s): %s",
                    file, i, what, quote(s)));
        }
    }
}

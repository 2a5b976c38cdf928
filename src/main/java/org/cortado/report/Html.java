package org.cortado.report;

import static org.cortado.report.Markup.attr;

/**
 * The page being written: elements whose text and attribute values are escaped, and SVG drawings this package made.
 * The output is well-formed XML as well as HTML (void elements closed with "/>", no named entities).
 */
final class Html {
    private final StringBuilder b = new StringBuilder(1 << 16);

    /** Opens {@code tag} with attribute name/value pairs. */
    Html open(String tag, String... attributes) {
        b.append('<').append(tag);
        attributes(attributes);
        b.append('>');
        return this;
    }

    Html close(String tag) {
        b.append("</").append(tag).append('>');
        return this;
    }

    /** An element without content ({@code <img/>}, {@code <meta/>}). */
    Html empty(String tag, String... attributes) {
        b.append('<').append(tag);
        attributes(attributes);
        b.append("/>");
        return this;
    }

    /** An element holding {@code content} as text. */
    Html element(String tag, String content, String... attributes) {
        return open(tag, attributes).text(content).close(tag);
    }

    Html text(String s) {
        b.append(Markup.text(s));
        return this;
    }

    /** A chart from {@link Svg} (already escaped). */
    Html svg(String svg) {
        b.append(svg);
        return this;
    }

    /** Markup this package wrote itself (the style sheet, the document type). */
    Html trusted(String s) {
        b.append(s);
        return this;
    }

    /** A chart with its caption, which carries the chart's numbers or says where the table with them is. */
    Html figure(String svg, String caption) {
        open("figure");
        svg(svg);
        element("figcaption", caption);
        return close("figure");
    }

    /**
     * A section of the page around what {@code body} writes; class "pair" lays its charts and tables side by side
     * where the page is wide enough.
     */
    Html section(String cssClass, Runnable body) {
        open("section", "class", cssClass);
        body.run();
        return close("section");
    }

    Html table(Table t) {
        t.writeTo(this);
        return this;
    }

    private void attributes(String... attributes) {
        if (attributes.length % 2 != 0) {
            throw new IllegalArgumentException("attributes come in name/value pairs");
        }
        for (int i = 0; i < attributes.length; i += 2) {
            if (attributes[i + 1] != null) {
                b.append(' ').append(attributes[i]).append("=\"").append(attr(attributes[i + 1])).append('"');
            }
        }
    }

    int length() {
        return b.length();
    }

    @Override
    public String toString() {
        return b.toString();
    }
}

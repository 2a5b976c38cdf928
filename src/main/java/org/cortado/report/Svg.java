package org.cortado.report;

import static org.cortado.report.Markup.attr;
import static org.cortado.report.Markup.num;

/**
 * A small SVG writer: the shapes the charts draw, with presentation attributes (no style sheet, no script, no
 * external reference), so that a chart is a standalone well-formed document as well as inline SVG in the page. Every
 * string it is given is escaped.
 */
final class Svg {
    static final String FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
    static final String INK = "#222";
    static final String GRID = "#ddd";
    static final String MUTED = "#666";

    private final StringBuilder b = new StringBuilder(4096);
    private boolean closed;

    /**
     * Starts a drawing of {@code width x height} user units that scales to its container's width.
     *
     * @param id          a page-unique id for the title element
     * @param title       what the chart shows (read by screen readers; shown as a tooltip)
     */
    Svg(double width, double height, String id, String title) {
        b.append("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 ").append(num(width))
                .append(' ').append(num(height)).append("\" role=\"img\" aria-labelledby=\"").append(attr(id))
                .append("\" font-family=\"").append(attr(FONT)).append("\" font-size=\"12\" style=\"max-width:")
                .append(num(width)).append("px\"><title id=\"").append(attr(id)).append("\">").append(Markup.text(title))
                .append("</title>");
    }

    Svg line(double x1, double y1, double x2, double y2, String stroke, double width, String dash) {
        b.append("<line x1=\"").append(num(x1)).append("\" y1=\"").append(num(y1)).append("\" x2=\"").append(num(x2))
                .append("\" y2=\"").append(num(y2)).append("\" stroke=\"").append(attr(stroke))
                .append("\" stroke-width=\"").append(num(width)).append('"');
        dash(dash);
        b.append("/>");
        return this;
    }

    Svg rect(double x, double y, double w, double h, String fill, String tooltip) {
        b.append("<rect x=\"").append(num(x)).append("\" y=\"").append(num(y)).append("\" width=\"")
                .append(num(Math.max(0, w))).append("\" height=\"").append(num(Math.max(0, h))).append("\" fill=\"")
                .append(attr(fill)).append('"');
        return close("rect", tooltip);
    }

    /** A circle; {@code fill} or {@code stroke} may be "none". */
    Svg circle(double cx, double cy, double r, String fill, String stroke, double strokeWidth, String tooltip) {
        b.append("<circle cx=\"").append(num(cx)).append("\" cy=\"").append(num(cy)).append("\" r=\"").append(num(r))
                .append("\" fill=\"").append(attr(fill)).append("\" stroke=\"").append(attr(stroke))
                .append("\" stroke-width=\"").append(num(strokeWidth)).append('"');
        return close("circle", tooltip);
    }

    /** A polyline through the points; NaN values break it into pieces. */
    Svg polyline(double[] xs, double[] ys, String stroke, double width, String dash) {
        StringBuilder pts = new StringBuilder();
        for (int i = 0; i <= xs.length; i++) {
            boolean gap = i == xs.length || !Double.isFinite(xs[i]) || !Double.isFinite(ys[i]);
            if (gap) {
                if (pts.length() > 0) {
                    b.append("<polyline fill=\"none\" stroke=\"").append(attr(stroke)).append("\" stroke-width=\"")
                            .append(num(width)).append("\" stroke-linejoin=\"round\" points=\"").append(pts).append('"');
                    dash(dash);
                    b.append("/>");
                    pts.setLength(0);
                }
                continue;
            }
            pts.append(pts.length() == 0 ? "" : " ").append(num(xs[i])).append(',').append(num(ys[i]));
        }
        return this;
    }

    /** A closed, filled polygon (a band between two curves). */
    Svg polygon(double[] xs, double[] ys, String fill, double opacity) {
        b.append("<polygon fill=\"").append(attr(fill)).append("\" fill-opacity=\"").append(num(opacity))
                .append("\" points=\"");
        for (int i = 0; i < xs.length; i++) {
            b.append(i == 0 ? "" : " ").append(num(xs[i])).append(',').append(num(ys[i]));
        }
        b.append("\"/>");
        return this;
    }

    /**
     * Text at {@code (x, y)}.
     *
     * @param anchor start, middle or end
     * @param size   font size in user units
     * @param weight normal or bold
     */
    Svg text(double x, double y, String s, String anchor, double size, String fill, String weight) {
        b.append("<text x=\"").append(num(x)).append("\" y=\"").append(num(y)).append("\" text-anchor=\"")
                .append(attr(anchor)).append("\" font-size=\"").append(num(size)).append("\" fill=\"")
                .append(attr(fill)).append('"');
        if (!"normal".equals(weight)) {
            b.append(" font-weight=\"").append(attr(weight)).append('"');
        }
        b.append('>').append(Markup.text(s)).append("</text>");
        return this;
    }

    /** Text turned by -90 degrees about its anchor point (a y-axis label). */
    Svg verticalText(double x, double y, String s, double size) {
        b.append("<text x=\"").append(num(x)).append("\" y=\"").append(num(y)).append("\" text-anchor=\"middle\"")
                .append(" font-size=\"").append(num(size)).append("\" fill=\"").append(INK).append("\" transform=\"rotate(-90 ")
                .append(num(x)).append(' ').append(num(y)).append(")\">").append(Markup.text(s)).append("</text>");
        return this;
    }

    private void dash(String dash) {
        if (dash != null) {
            b.append(" stroke-dasharray=\"").append(attr(dash)).append('"');
        }
    }

    private Svg close(String element, String tooltip) {
        if (tooltip == null) {
            b.append("/>");
        } else {
            b.append("><title>").append(Markup.text(tooltip)).append("</title></").append(element).append('>');
        }
        return this;
    }

    /** The finished document. */
    @Override
    public String toString() {
        if (!closed) {
            b.append("</svg>");
            closed = true;
        }
        return b.toString();
    }
}

package org.cortado.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

/** Every chart is a well-formed SVG document, and names from reports stay text. */
class ChartsTest {
    private static final String HOSTILE = "<script>alert(1)</script>&\"'\u0007";

    @Test
    void lineChartIsWellFormedWithEscapedNamesBandsAndMarks() {
        String svg = new LineChart("C <curve>", "C", "accuracy").logX()
                .add(new LineChart.Series(HOSTILE, new double[] {1e-3, 1e-2, 1e-1}, new double[] {0.8, 0.9, 0.85},
                        "#0072B2", true, null, new double[] {0.7, 0.85, 0.8}, new double[] {0.9, 0.95, 0.9}))
                .add(LineChart.Series.line("second", new double[] {1e-3, 1}, new double[] {Double.NaN, 0.5}, "#000"))
                .mark(1e-2, "chosen <C>").svg("id-1");
        Xml.assertSvg(svg);
        Document d = Xml.parse(svg);
        assertTrue(d.getDocumentElement().getTextContent().contains("<script>alert(1)</script>"),
                "the name is shown as text");
        assertEquals(1, d.getElementsByTagNameNS("*", "polygon").getLength(), "the band");
        assertTrue(svg.contains("chosen &lt;C&gt;"));
    }

    @Test
    void barConfusionAndScatterChartsAreWellFormed() {
        List<String> classes = List.of("ants", HOSTILE, "a very long class name that goes on and on and on");
        Xml.assertSvg(BarChart.svg("b", "per class", classes, List.of("precision", "recall"),
                new double[][] {{1, 0.5, Double.NaN}, {0, 0.25, 1}}));
        String confusion = ConfusionChart.svg("c", "confusion", classes, new int[][] {{5, 1, 0}, {0, 0, 0}, {2, 2, 9}});
        Xml.assertSvg(confusion);
        Document d = Xml.parse(confusion);
        assertEquals(9, d.getElementsByTagNameNS("*", "rect").getLength(), "nine cells");
        Xml.assertSvg(ScatterChart.svg("s", "map", "PC1 across", classes, List.of(
                new ScatterChart.Point(0, 0, 0, false, false, null),
                new ScatterChart.Point(1, 2, 1, true, true, "file " + HOSTILE),
                new ScatterChart.Point(1, 2, 2, true, false, null))));
        Xml.assertSvg(ScatterChart.svg("one", "one point", "", List.of("a"), List.of(
                new ScatterChart.Point(3, 3, 0, true, false, null))));
    }

    @Test
    void markedBarsAreShadedAndNamedInBold() {
        String svg = BarChart.svg("m", "by layer", List.of("conv1", HOSTILE), List.of("cv", "val"),
                new double[][] {{0.5, 0.75}, {0.5, 1}}, java.util.Set.of(1));
        Xml.assertSvg(svg);
        Document d = Xml.parse(svg);
        assertEquals(1, Xml.elements(d).stream().filter(e -> e.getLocalName().equals("text")
                && "bold".equals(e.getAttribute("font-weight")) && e.getTextContent().startsWith("<script>"))
                .count(), "the marked category's name is bold");
        assertEquals(1, Xml.elements(d).stream().filter(e -> "#eef6fb".equals(e.getAttribute("fill"))).count());
    }

    @Test
    void thresholdStripsPutEachMeasurementOnItsSide() {
        String svg = ThresholdChart.svg("t", "the case <x>", List.of(
                new ThresholdChart.Check("size " + HOSTILE, 0.0012, 0.01, false, "small", "large"),
                new ThresholdChart.Check("similarity", 0.641, 0.35, true, "different", "similar"),
                new ThresholdChart.Check("unmeasured", Double.NaN, 0.5, true, "no", "yes")));
        Xml.assertSvg(svg);
        String text = Xml.parse(svg).getDocumentElement().getTextContent();
        assertTrue(text.contains("measured 0.0012: small") && text.contains("measured 0.641: similar")
                && text.contains("threshold 0.01") && text.contains("threshold 0.35") && text.contains("not measured")
                && text.contains("size <script>"), text);
        // The dot of a ratio lies left of its threshold on the logarithmic strip, a probability's right of it.
        Document d = Xml.parse(svg);
        List<Double> dots = Xml.elements(d).stream().filter(e -> e.getLocalName().equals("circle"))
                .map(e -> Double.parseDouble(e.getAttribute("cx"))).toList();
        List<Double> thresholds = Xml.elements(d).stream().filter(e -> e.getLocalName().equals("line")
                && "2".equals(e.getAttribute("stroke-width"))).map(e -> Double.parseDouble(e.getAttribute("x1")))
                .toList();
        assertEquals(2, dots.size());
        assertTrue(dots.get(0) < thresholds.get(0) && dots.get(1) > thresholds.get(1), dots + " " + thresholds);
    }

    @Test
    void scalesTickAtRoundValues() {
        Scale lin = Scale.over(0.12, 0.93, 0, 100, false);
        assertEquals(0, lin.lo(), 1e-12);
        assertEquals(1, lin.hi(), 1e-12);
        assertEquals(List.of("0", "0.2", "0.4", "0.6", "0.8", "1"), lin.ticks().stream().map(lin::label).toList());
        Scale log = Scale.over(1e-5, 100, 0, 100, true);
        assertEquals(8, log.ticks().size());
        assertEquals("1e-5", log.label(1e-5));
        assertEquals("0.01", log.label(0.01));
        assertEquals(50, log.map(Math.sqrt(1e-5 * 100)), 1e-9);
        Scale flat = Scale.over(3, 3, 0, 10, false);
        assertTrue(flat.lo() < 3 && flat.hi() > 3, "a constant series still gets a range");
    }
}

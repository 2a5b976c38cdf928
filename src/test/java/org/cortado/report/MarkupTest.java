package org.cortado.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class MarkupTest {
    @Test
    void textAndAttributesEscapeMarkupAndReplaceWhatXmlCannotHold() {
        assertEquals("&lt;script&gt;alert(1)&lt;/script&gt; &amp; \"q\" 'a'", Markup.text("<script>alert(1)</script> & \"q\" 'a'"));
        assertEquals("&lt;b&gt; &quot;x&quot; &#39;y&#39; &amp;", Markup.attr("<b> \"x\" 'y' &"));
        assertEquals("a\uFFFDb\uFFFDc", Markup.text("a\u0001b\uD800c"), "control character and lone surrogate");
        assertEquals("\uD83D\uDC1D", Markup.text("\uD83D\uDC1D"), "a surrogate pair (bee) stays");
        assertEquals("line&#10;two", Markup.attr("line\ntwo"));
        assertEquals("", Markup.text(null));
    }

    @Test
    void numbersAreShortAndLocaleFree() {
        assertEquals("1.5", Markup.num(1.5));
        assertEquals("2", Markup.num(2.0001));
        assertEquals("-0.25", Markup.num(-0.25));
        assertEquals("0", Markup.num(Double.NaN));
        assertEquals("0.9412", Markup.figure(0.94117, 4));
        assertEquals("1e-05", Markup.figure(1e-5, 3));
        assertEquals("100", Markup.figure(100, 3));
        assertEquals("n/a", Markup.figure(Double.NaN, 3));
        assertEquals("94.1%", Markup.percent(0.9412));
    }
}

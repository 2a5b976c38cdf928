package org.cortado.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NamedNodeMap;
import org.w3c.dom.NodeList;

/** The JDK's XML parser on the report's output, and the checks that no markup came from a report's strings. */
public final class Xml {
    private Xml() {
    }

    /** Parses {@code text} as XML (failing the test when it is not well-formed); external DTDs are not loaded. */
    public static Document parse(String text) {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(true);
            f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
            f.setExpandEntityReferences(false);
            return f.newDocumentBuilder().parse(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new AssertionError("not well-formed XML: " + e.getMessage() + "\n" + excerpt(text, e), e);
        }
    }

    private static String excerpt(String text, Exception e) {
        return text.length() < 2000 ? text : text.substring(0, 2000) + "...";
    }

    /** Every element of the document. */
    public static List<Element> elements(Document d) {
        NodeList all = d.getElementsByTagNameNS("*", "*");
        List<Element> out = new ArrayList<>();
        for (int i = 0; i < all.getLength(); i++) {
            out.add((Element) all.item(i));
        }
        return out;
    }

    /**
     * The document holds nothing that runs or fetches: no script, iframe, object or embed element, no event
     * handler attribute, no link, and every source or reference a data: URI or a fragment.
     */
    public static void assertInert(Document d) {
        for (Element e : elements(d)) {
            String name = e.getLocalName().toLowerCase();
            assertFalse(List.of("script", "iframe", "object", "embed", "link", "foreignobject", "use", "image")
                    .contains(name), "element " + name);
            NamedNodeMap attributes = e.getAttributes();
            for (int i = 0; i < attributes.getLength(); i++) {
                String a = attributes.item(i).getLocalName() == null ? attributes.item(i).getNodeName()
                        : attributes.item(i).getLocalName();
                String v = attributes.item(i).getNodeValue();
                assertFalse(a.toLowerCase().startsWith("on"), "event handler " + a + " on " + name);
                if (a.equals("src") || a.equals("href")) {
                    assertTrue(v.startsWith("data:image/") || v.startsWith("#"), a + "=" + v);
                }
            }
        }
    }

    public static void assertSvg(String svg) {
        Document d = parse(svg);
        assertEquals("svg", d.getDocumentElement().getLocalName());
        assertEquals("http://www.w3.org/2000/svg", d.getDocumentElement().getNamespaceURI());
        assertInert(d);
    }
}

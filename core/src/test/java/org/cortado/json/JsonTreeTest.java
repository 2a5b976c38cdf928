package org.cortado.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.cortado.io.JsonReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report type behind the API: what it writes, and that edits work on copies. */
class JsonTreeTest {
    @TempDir
    Path dir;

    @Test
    void writesPrettyPrintedJsonAsToJsonGivesItAtomicallyIntoANewFolder() throws Exception {
        ObjectNode o = JsonTree.object().put("val_accuracy", 0.9411764705882353).put("n_val", 153);
        o.putArray("classes").add("ants").add("bees");
        JsonReport r = JsonTree.of(o);
        Path f = dir.resolve("a/b/report.json");
        r.writeTo(f);
        String text = Files.readString(f);
        assertEquals(r.toJson(), text);
        assertEquals("""
                {
                  "val_accuracy" : 0.9411764705882353,
                  "n_val" : 153,
                  "classes" : [ "ants", "bees" ]
                }""", text);
    }

    @Test
    void anEditIsACopyAndLeavesTheReportAsItWas() {
        JsonReport r = JsonTree.of(JsonTree.object().put("n_train", 245));
        ObjectNode edit = JsonTree.edit(r);
        edit.put("device", "CPU");
        assertFalse(r.toJson().contains("device"));
        assertEquals(245, edit.get("n_train").asInt());
    }

    @Test
    void aReportOfAnotherMakeIsReadFromItsJson() {
        assertEquals("svm", JsonTree.edit(ofText("{\"head\": \"svm\"}")).get("head").asText());
        assertThrows(IllegalArgumentException.class, () -> JsonTree.edit(ofText("[1, 2]")));
    }

    /** A report of another implementation than {@link JsonTree}, whose JSON is {@code text}. */
    private static JsonReport ofText(String text) {
        return new JsonReport() {
            @Override
            public String toJson() {
                return text;
            }

            @Override
            public void writeTo(Path file) {
            }
        };
    }
}

package org.cortado.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import org.cortado.data.FileNote;

/** {@link FileNote}s as the reports and feature files list them: arrays of {@code {"file", "reason"}} objects. */
public final class FileNotes {
    private FileNotes() {
    }

    /** {@code notes} as a JSON array of {@code {"file": ..., "reason": ...}} objects. */
    public static ArrayNode toJson(List<? extends FileNote> notes) {
        ArrayNode a = JsonNodeFactory.instance.arrayNode();
        for (FileNote n : notes) {
            a.addObject().put("file", n.file().toString()).put("reason", n.reason());
        }
        return a;
    }

    /** The notes of a JSON array written by {@link #toJson}; a missing array (null or missing node) is none. */
    public static <T extends FileNote> List<T> fromJson(JsonNode array, BiFunction<Path, String, T> make) {
        List<T> out = new ArrayList<>();
        if (array != null) {
            for (JsonNode n : array) {
                out.add(make.apply(Path.of(n.get("file").asText()), n.get("reason").asText()));
            }
        }
        return out;
    }
}

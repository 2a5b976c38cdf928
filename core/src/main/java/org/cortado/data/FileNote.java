package org.cortado.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;

/**
 * An image file of a data set with a few words about it, as the reports list them: {@code {"file", "reason"}}
 * objects in their {@code skipped} and {@code warnings} arrays.
 */
public interface FileNote {
    Path file();

    String reason();

    /** {@code notes} as a JSON array of {@code {"file": ..., "reason": ...}} objects. */
    static ArrayNode toJson(List<? extends FileNote> notes) {
        ArrayNode a = JsonNodeFactory.instance.arrayNode();
        for (FileNote n : notes) {
            a.addObject().put("file", n.file().toString()).put("reason", n.reason());
        }
        return a;
    }

    /** The notes of a JSON array written by {@link #toJson}; a missing array (null or missing node) is none. */
    static <T extends FileNote> List<T> fromJson(JsonNode array, BiFunction<Path, String, T> make) {
        List<T> out = new ArrayList<>();
        if (array != null) {
            for (JsonNode n : array) {
                out.add(make.apply(Path.of(n.get("file").asText()), n.get("reason").asText()));
            }
        }
        return out;
    }
}

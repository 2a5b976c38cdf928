package org.cortado.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.cortado.io.AtomicFiles;
import org.cortado.io.JsonReport;

/**
 * The one implementation of {@link JsonReport}: a Jackson object tree, kept inside so that the API names no
 * Jackson type. Internal: the engine's report builders and the command line add their fields to the tree
 * ({@link #edit}) and wrap it again ({@link #of}).
 */
public final class JsonTree implements JsonReport {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final ObjectNode tree;

    private JsonTree(ObjectNode tree) {
        this.tree = tree;
    }

    /** A report of {@code tree}, which the caller must not change afterwards. */
    public static JsonTree of(ObjectNode tree) {
        return new JsonTree(tree);
    }

    /** An empty object to build a report in. */
    public static ObjectNode object() {
        return JSON.createObjectNode();
    }

    /** A copy of {@code report}'s tree to add fields to (a report of another implementation is parsed). */
    public static ObjectNode edit(JsonReport report) {
        if (report instanceof JsonTree t) {
            return t.tree.deepCopy();
        }
        try {
            return (ObjectNode) JSON.readTree(report.toJson());
        } catch (JsonProcessingException | ClassCastException e) {
            throw new IllegalArgumentException("a report that is not one JSON object: " + e.getMessage(), e);
        }
    }

    @Override
    public String toJson() {
        return new String(bytes(tree, null), StandardCharsets.UTF_8);
    }

    @Override
    public void writeTo(Path file) {
        write(file, tree);
    }

    /** Writes {@code tree} pretty-printed to {@code file}, atomically, as every report is written. */
    public static void write(Path file, JsonNode tree) {
        AtomicFiles.writeBytes(AtomicFiles.withParentFolder(file), bytes(tree, file));
    }

    private static byte[] bytes(JsonNode tree, Path file) {
        try {
            return JSON.writeValueAsBytes(tree);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise the report" + (file == null ? "" : " for " + file)
                    + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return toJson();
    }
}

package org.cortado.weights;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The Model Zoo manifest ({@code weights/manifest.json} at the repository root): the models cortado supports, where
 * their weights are, how to check them, and how to feed and cut them.
 *
 * @param models in manifest order
 * @param labels label file names and where they come from
 */
public record Manifest(List<ModelEntry> models, Map<String, String> labels) {
    /** The format tag the manifest carries. */
    public static final String FORMAT = "cortado-weights/1";

    /** Where the jar holds its copy of the manifest. */
    static final String BUNDLED = "/org/cortado/weights/manifest.json";

    /** How errors name the jar's copy. */
    public static final String BUNDLED_SOURCE = "the weights manifest built into cortado-core";

    private static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /**
     * Reads and checks a manifest: known format, unique names, at least one URL and one checksum per model.
     *
     * @throws IllegalArgumentException naming the file and the model at fault
     */
    public static Manifest read(Path file) {
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read the weights manifest: " + e.getMessage(), e);
        }
        return parse(root, file.toString());
    }

    /**
     * The manifest built into cortado-core's jar (a copy of the repository's {@code weights/manifest.json} made at
     * build time), for code that embeds the engine without the repository beside it.
     */
    public static Manifest bundled() {
        try (InputStream in = Manifest.class.getResourceAsStream(BUNDLED)) {
            if (in == null) {
                throw new IllegalStateException("cortado-core was built without its weights manifest (" + BUNDLED
                        + ")");
            }
            return parse(JSON.readTree(in), BUNDLED_SOURCE);
        } catch (IOException e) {
            throw new UncheckedIOException(BUNDLED_SOURCE + ": cannot read: " + e.getMessage(), e);
        }
    }

    private static Manifest parse(JsonNode root, String file) {
        if (!FORMAT.equals(root.path("format").asText())) {
            throw new IllegalArgumentException(file + ": format '" + root.path("format").asText() + "', expected "
                    + FORMAT);
        }
        List<ModelEntry> models = new ArrayList<>();
        for (JsonNode m : root.path("models")) {
            ModelEntry e;
            try {
                e = JSON.treeToValue(m, ModelEntry.class);
            } catch (IOException ex) {
                throw new IllegalArgumentException(file + ": model " + m.path("name") + ": " + ex.getMessage(), ex);
            }
            check(file, e, models);
            models.add(e);
        }
        Map<String, String> labels = new TreeMap<>();
        for (Map.Entry<String, JsonNode> f : root.path("labels").properties()) {
            labels.put(f.getKey(), f.getValue().asText());
        }
        return new Manifest(models, labels);
    }

    private static void check(String file, ModelEntry e, List<ModelEntry> earlier) {
        String where = file + ": model '" + e.name() + "'";
        if (e.name() == null || e.name().isBlank() || e.caffemodel() == null || e.caffemodel().isBlank()) {
            throw new IllegalArgumentException(where + " needs a name and a caffemodel file name");
        }
        if (e.caffemodel().contains("/") || e.caffemodel().contains("\\")) {
            throw new IllegalArgumentException(where + ": caffemodel must be a plain file name, got " + e.caffemodel());
        }
        if (e.urls() == null || e.urls().isEmpty()) {
            throw new IllegalArgumentException(where + " has no download URL");
        }
        for (String url : e.urls()) {
            String lower = url == null ? "" : url.toLowerCase(java.util.Locale.ROOT);
            if (!lower.startsWith("http://") && !lower.startsWith("https://")) {
                throw new IllegalArgumentException(where + ": URL '" + url + "' is not http or https");
            }
        }
        if (e.size() != null && e.size() <= 0) {
            throw new IllegalArgumentException(where + ": size must be a positive number of bytes, got " + e.size());
        }
        if (e.sha1() == null && (e.sha1Missing() == null || e.sha1Missing().isBlank())) {
            throw new IllegalArgumentException(where + " has no SHA-1 and does not say why (sha1_missing)");
        }
        try {
            e.checksum();
        } catch (IllegalStateException | IllegalArgumentException ex) {
            throw new IllegalArgumentException(where + ": " + ex.getMessage(), ex);
        }
        for (ModelEntry o : earlier) {
            if (o.name().equals(e.name())) {
                throw new IllegalArgumentException(where + " appears twice");
            }
        }
    }

    /** The model called {@code name}; the error lists the known names. */
    public ModelEntry get(String name) {
        for (ModelEntry m : models) {
            if (m.name().equals(name)) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown model '" + name + "'; known: " + names());
    }

    /** The model names in manifest order. */
    public List<String> names() {
        return models.stream().map(ModelEntry::name).toList();
    }
}

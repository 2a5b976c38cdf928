package org.cortado.features;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.cortado.data.DecodeWarning;
import org.cortado.json.FileNotes;
import org.cortado.data.Skipped;
import org.cortado.io.AtomicFiles;
import org.cortado.io.Npy;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * A feature file on disk: {@code NAME.npy} (float32, N x D, what NumPy and scikit-learn load), {@code NAME.labels.npy}
 * (int32, N) and {@code NAME.json} (format tag, class names, the file of each row, skipped images, images decoded
 * despite damage with their warnings, provenance).
 * Each file is written atomically and the JSON last, so a reader that finds the JSON finds the arrays it describes;
 * {@link #read} checks that the three agree.
 */
public final class FeatureFiles {
    /** The format tag in the JSON sidecar. */
    public static final String FORMAT = "cortado-codes/1";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private FeatureFiles() {
    }

    /** {@code NAME.labels.npy} beside {@code NAME.npy}. */
    public static Path labelsPath(Path npy) {
        return npy.resolveSibling(stem(npy) + ".labels.npy");
    }

    /** {@code NAME.json} beside {@code NAME.npy}. */
    public static Path metadataPath(Path npy) {
        return npy.resolveSibling(stem(npy) + ".json");
    }

    static String stem(Path npy) {
        String name = npy.getFileName().toString();
        if (!name.endsWith(".npy")) {
            throw new IllegalArgumentException(npy + ": a feature file's name must end in .npy");
        }
        return name.substring(0, name.length() - 4);
    }

    /** Writes {@code set} as {@code npy} and its two sidecars. */
    public static void write(Path npy, FeatureSet set) {
        Npy.write(npy, set.codes());
        Npy.writeInt32(labelsPath(npy), Shape.of(set.rows()), set.labels());
        writeJson(metadataPath(npy), metadata(set));
    }

    static void writeJson(Path file, JsonNode node) {
        try {
            AtomicFiles.writeBytes(file, JSON.writeValueAsBytes(node));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + file + ": " + e.getMessage(), e);
        }
    }

    private static ObjectNode metadata(FeatureSet set) {
        ObjectNode o = JSON.createObjectNode();
        o.put("format", FORMAT);
        o.put("rows", set.rows());
        o.put("dim", set.dim());
        ArrayNode classes = o.putArray("classes");
        set.classes().forEach(classes::add);
        ArrayNode files = o.putArray("files");
        set.files().forEach(files::add);
        o.set("skipped", FileNotes.toJson(set.skipped()));
        o.set("warnings", FileNotes.toJson(set.warnings()));
        o.set("provenance", JSON.valueToTree(set.provenance()));
        return o;
    }

    static List<Skipped> skippedFrom(JsonNode a) {
        return FileNotes.fromJson(a, Skipped::new);
    }

    /** The warnings of a feature file or part; files written before warnings were recorded have none. */
    static List<DecodeWarning> warningsFrom(JsonNode a) {
        return FileNotes.fromJson(a, DecodeWarning::new);
    }

    static JsonNode readJson(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (NoSuchFileException | java.io.FileNotFoundException e) {
            throw new UncheckedIOException(file + ": no such file", e);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": not readable JSON: " + e.getMessage(), e);
        }
    }

    /**
     * Reads a feature file written by {@link #write}.
     *
     * @throws IllegalStateException naming the file when the three parts disagree
     */
    public static FeatureSet read(Path npy) {
        Path metaFile = metadataPath(npy);
        JsonNode meta = readJson(metaFile);
        if (!FORMAT.equals(meta.path("format").asText())) {
            throw new IllegalStateException(metaFile + ": format '" + meta.path("format").asText() + "', expected "
                    + FORMAT);
        }
        Tensor codes = Npy.read(npy, 2);
        Npy.Int32Array labels = Npy.readInt32(labelsPath(npy));
        int rows = meta.get("rows").asInt();
        if (codes.shape().dim(0) != rows || labels.data().length != rows || meta.get("files").size() != rows) {
            throw new IllegalStateException(npy + ": parts disagree: codes " + codes.shape() + ", "
                    + labels.data().length + " labels, " + meta.get("files").size() + " files, " + metaFile + " says "
                    + rows + " rows");
        }
        List<String> classes = new ArrayList<>();
        meta.get("classes").forEach(c -> classes.add(c.asText()));
        List<String> files = new ArrayList<>();
        meta.get("files").forEach(f -> files.add(f.asText()));
        Provenance prov = JSON.convertValue(meta.get("provenance"), Provenance.class);
        return new FeatureSet(codes, labels.data(), files, classes, skippedFrom(meta.get("skipped")),
                warningsFrom(meta.get("warnings")), prov);
    }
}

package org.cortado.heads;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import org.cortado.features.Provenance;
import org.cortado.io.AtomicFiles;

/**
 * A trained head as JSON, for use outside cortado: the class scores of a raw code {@code x} are
 * {@code raw_weights . x + raw_bias} (standardisation folded in; with {@code l2_normalize_input}, x is divided by its
 * Euclidean norm first), and the model on preprocessed codes with the fitted means and standard deviations is there
 * too. Written atomically.
 */
public final class HeadFile {
    /** The format tag. */
    public static final String FORMAT = "cortado-head/1";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private HeadFile() {
    }

    /**
     * Writes {@code head}.
     *
     * @param classes class names by label
     * @param codes   the provenance of the codes it was trained on, or null
     */
    public static void write(Path file, TrainedHead head, List<String> classes, Provenance codes) {
        ObjectNode o = JSON.createObjectNode();
        o.put("format", FORMAT);
        o.put("head", head.spec().describe());
        o.put("c", head.c());
        o.put("c_selection", head.crossValidation() == null ? "given" : "cross-validation");
        ArrayNode names = o.putArray("classes");
        classes.forEach(names::add);
        AffineMap map = head.affineOnRawCodes();
        o.put("l2_normalize_input", map.l2NormalizeInput());
        o.set("raw_weights", matrix(map.weights()));
        o.set("raw_bias", vector(map.bias()));
        Preprocessor pre = head.preprocessor();
        o.put("preprocessing", pre.kind().id());
        if (pre.mean() != null) {
            o.set("mean", vector(pre.mean()));
            o.set("std", vector(pre.std()));
        }
        o.set("weights", matrix(head.model().weights()));
        o.set("bias", vector(head.model().bias()));
        if (codes != null) {
            o.set("codes", JSON.valueToTree(codes));
        }
        try {
            AtomicFiles.writeBytes(file, JSON.writeValueAsBytes(o));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + file + ": " + e.getMessage(), e);
        }
    }

    private static ArrayNode matrix(float[][] m) {
        ArrayNode a = JSON.createArrayNode();
        for (float[] row : m) {
            a.add(vector(row));
        }
        return a;
    }

    private static ArrayNode matrix(double[][] m) {
        ArrayNode a = JSON.createArrayNode();
        for (double[] row : m) {
            a.add(vector(row));
        }
        return a;
    }

    private static ArrayNode vector(float[] v) {
        ArrayNode a = JSON.createArrayNode();
        for (float x : v) {
            a.add(x);
        }
        return a;
    }

    private static ArrayNode vector(double[] v) {
        ArrayNode a = JSON.createArrayNode();
        for (double x : v) {
            a.add(x);
        }
        return a;
    }
}

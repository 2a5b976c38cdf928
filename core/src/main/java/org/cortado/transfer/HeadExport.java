package org.cortado.transfer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.cortado.caffe.CaffeModelWriter;
import org.cortado.caffe.proto.Caffe.InnerProductParameter;
import org.cortado.caffe.proto.Caffe.LayerParameter;
import org.cortado.caffe.proto.Caffe.NetParameter;
import org.cortado.heads.AffineMap;
import org.cortado.heads.Preprocessing;
import org.cortado.heads.TrainedHead;
import org.cortado.io.AtomicFiles;
import org.cortado.layers.Layer;
import org.cortado.layers.Param;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * Folds a trained head into its code net and writes a Caffe model that any Caffe-format reader runs: the code net
 * ({@link CodeNet}: the truncated pretrained net, the code's spatial pooling, the averaging of oversampled views), an
 * InnerProduct {@value #HEAD_LAYER} holding the head with its standardisation folded into the weights
 * ({@link TrainedHead#affineOnRawCodes()}), and a Softmax {@value #PROB_LAYER}.
 *
 * <p>Files in the export folder: {@value #DEPLOY}, {@value #CAFFEMODEL}, {@value #LABELS} (class names in output
 * order) and {@value #RECIPE} (how to prepare the input, what the output means). The input batch is one image's
 * views: 1, or 10 with oversampling (Caffe's oversample order; the average does not depend on it).
 *
 * <p>L2 normalisation is not exported: it divides by each code's own norm, which no layer of BVLC Caffe's standard
 * set computes, and an export that silently left it out would predict differently.
 */
public final class HeadExport {
    public static final String DEPLOY = "deploy.prototxt";
    public static final String CAFFEMODEL = "model.caffemodel";
    public static final String LABELS = "labels.txt";
    public static final String RECIPE = "recipe.json";
    /** The InnerProduct layer that holds the head. */
    public static final String HEAD_LAYER = "cortado_head";
    /** The Softmax output. */
    public static final String PROB_LAYER = "prob";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private HeadExport() {
    }

    /** The files of an export. */
    public record Exported(Path deploy, Path caffemodel, Path labels, Path recipe) {
        public static Exported in(Path dir) {
            return new Exported(dir.resolve(DEPLOY), dir.resolve(CAFFEMODEL), dir.resolve(LABELS), dir.resolve(RECIPE));
        }
    }

    /** Why a head on codes preprocessed this way cannot be exported, or null when it can. */
    public static String refusal(Preprocessing preprocessing) {
        if (preprocessing == Preprocessing.L2) {
            return "a head on L2-normalised codes cannot be exported: BVLC Caffe has no layer that divides a code by its"
                    + " own norm; heads with preprocessing standardize (folded into the InnerProduct weights) or none"
                    + " export";
        }
        return null;
    }

    /**
     * The classifier's net definition: the code net, then the head's InnerProduct and a Softmax.
     *
     * @param classes the number of classes K
     */
    static NetParameter definition(CodeNet codes, int classes) {
        NetParameter base = codes.proto();
        for (LayerParameter l : base.getLayerList()) {
            if (l.getName().equals(HEAD_LAYER) || l.getName().equals(PROB_LAYER) || l.getTopList().contains(HEAD_LAYER)
                    || l.getTopList().contains(PROB_LAYER)) {
                throw new IllegalArgumentException("the code net already has a layer or blob named '" + l.getName()
                        + "'; the export adds " + HEAD_LAYER + " and " + PROB_LAYER);
            }
        }
        return base.toBuilder()
                .setName(base.getName().isEmpty() ? "cortado_transfer" : base.getName() + "_transfer")
                .addLayer(LayerParameter.newBuilder().setName(HEAD_LAYER).setType("InnerProduct")
                        .addBottom(codes.codeBlob()).addTop(HEAD_LAYER)
                        .setInnerProductParam(InnerProductParameter.newBuilder().setNumOutput(classes)))
                .addLayer(LayerParameter.newBuilder().setName(PROB_LAYER).setType("Softmax").addBottom(HEAD_LAYER)
                        .addTop(PROB_LAYER))
                .build();
    }

    /**
     * Writes the export into {@code dir} (created), each file atomically.
     *
     * @param classes class names, indexed by label
     * @throws IllegalArgumentException when the head cannot be exported ({@link #refusal}) or does not fit the codes
     */
    public static Exported write(CodeNet codes, TrainedHead head, List<String> classes, Path dir) {
        String refused = refusal(head.spec().preprocessing());
        if (refused != null) {
            throw new IllegalArgumentException(refused);
        }
        AffineMap map = head.affineOnRawCodes();
        int k = map.bias().length;
        int d = map.weights()[0].length;
        if (d != codes.dim()) {
            throw new IllegalArgumentException("the head takes codes of " + d + " values, the code net gives "
                    + codes.dim());
        }
        if (classes.size() != k) {
            throw new IllegalArgumentException(classes.size() + " class names for a head of " + k + " classes");
        }
        NetParameter def = definition(codes, k);
        Map<String, List<Tensor>> blobs = new LinkedHashMap<>();
        for (Layer layer : codes.net().layers()) {
            if (layer.params().isEmpty()) {
                continue;
            }
            List<Tensor> host = new ArrayList<>();
            for (Param p : layer.params()) {
                host.add(codes.net().backend().download(p.data()));
            }
            blobs.put(layer.name(), host);
        }
        blobs.put(HEAD_LAYER, List.of(Tensor.wrap(Shape.of(k, d), map.weightsRowMajor()),
                Tensor.wrap(Shape.of(k), map.bias().clone())));
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot create the export folder: " + e.getMessage(), e);
        }
        Exported out = Exported.in(dir);
        CaffeModelWriter.write(out.caffemodel(), def, blobs);
        CaffeModelWriter.writeDeployPrototxt(out.deploy(), def);
        AtomicFiles.writeString(out.labels(), String.join("\n", classes) + "\n");
        writeRecipe(out.recipe(), codes, head, classes);
        return out;
    }

    private static void writeRecipe(Path file, CodeNet codes, TrainedHead head, List<String> classes) {
        ObjectNode r = JSON.createObjectNode();
        r.put("format", "cortado-export/1");
        r.put("deploy", DEPLOY);
        r.put("weights", CAFFEMODEL);
        r.put("input_blob", codes.net().inputNames().get(0));
        r.put("input_batch", codes.input().views() + (codes.input().oversample()
                ? " crops of one image, in Caffe's oversample order: top-left, top-right, bottom-left, bottom-right,"
                        + " centre, then the same five mirrored left to right"
                : " image"));
        r.put("preprocessing", codes.preprocessing());
        r.put("output", PROB_LAYER + ": softmax over the " + classes.size() + " classes of " + LABELS
                + (head.spec().type() == org.cortado.heads.HeadType.SVM
                        ? " (of the SVM's decision values: the arg max is the SVM's class, the values are not"
                                + " calibrated probabilities)"
                        : ""));
        ArrayNode names = r.putArray("classes");
        classes.forEach(names::add);
        r.set("codes", JSON.valueToTree(codes.provenance()));
        r.put("head", head.spec().describe());
        r.put("c", head.c());
        r.put("folded_preprocessing", head.spec().preprocessing().id());
        try {
            AtomicFiles.writeBytes(file, JSON.writeValueAsBytes(r));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + file + ": " + e.getMessage(), e);
        }
    }
}

package org.cortado.cli;

import java.nio.file.Path;
import java.util.List;
import org.cortado.caffe.proto.Caffe.LayerParameter;
import org.cortado.caffe.proto.Caffe.NetParameter;
import org.cortado.layers.NetDefinitionException;
import org.cortado.layers.Phase;
import org.cortado.net.proto.NetProtos;
import org.cortado.tensor.Shape;
import org.cortado.transfer.CodeSpec;
import org.cortado.transfer.InputRecipe;
import org.cortado.transfer.KnownModels;
import org.cortado.weights.ModelEntry;

/**
 * The code layer and the preprocessing of codes and transfer: the options given, completed by the weights manifest's
 * entry when the caffemodel is one of its models (by checksum or file name).
 *
 * @param known the manifest model, or null
 * @param codes where the codes come from: one layer, or several joined (empty for commands that choose their
 *              layers themselves)
 * @param input how images are prepared
 */
record ModelDefaults(KnownModels.Match known, List<CodeSpec> codes, InputRecipe input) {

    static ModelDefaults resolve(ModelOptions model, ManifestOption manifest, CodeOptions code,
            PreprocessOptions preprocess) {
        ModelDefaults d = resolveInput(model, manifest, preprocess);
        return new ModelDefaults(d.known(), code.toSpecs(d.known() == null ? null : d.known().entry()), d.input());
    }

    /** The known model and the preprocessing, for commands that choose their code layers themselves. */
    static ModelDefaults resolveInput(ModelOptions model, ManifestOption manifest, PreprocessOptions preprocess) {
        if (model.weights == null) {
            throw new IllegalArgumentException("--weights is required: codes come from a trained net");
        }
        KnownModels.Match match = KnownModels.find(manifest.read(), model.weights).orElse(null);
        ModelEntry entry = match == null ? null : match.entry();
        Shape declared = declaredInput(model.model);
        InputRecipe input = preprocess.toRecipe(declared, entry == null ? null : KnownModels.transform(entry));
        return new ModelDefaults(match, List.of(), input);
    }

    /** The manifest model's name, or null. */
    String knownName() {
        return known == null ? null : known.entry().name();
    }

    /** One line saying where the defaults came from. */
    String describeSource() {
        return known == null ? "model not in the weights manifest: preprocessing from the options"
                : "known model " + known.describe() + ": its test-time preprocessing and code layer fill in the options"
                        + " not given";
    }

    /** The shape of the deploy net's first input, (N, C, H, W). */
    static Shape declaredInput(Path deploy) {
        NetParameter def = NetProtos.readNormalized(deploy, Phase.TEST);
        for (LayerParameter l : def.getLayerList()) {
            if (l.getType().equals("Input") && l.getInputParam().getShapeCount() > 0) {
                long[] dims = l.getInputParam().getShape(0).getDimList().stream().mapToLong(Long::longValue).toArray();
                if (dims.length == 4) {
                    return Shape.ofLongs(dims);
                }
            }
        }
        throw new NetDefinitionException(deploy + ": no Input layer (or input/input_dim fields) with an (N, C, H, W)"
                + " shape; a deploy prototxt declares the image input");
    }
}

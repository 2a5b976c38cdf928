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
import picocli.CommandLine;

/**
 * The code layer and the preprocessing of codes and transfer: the options given, completed by the weights manifest's
 * entry when the caffemodel is one of its models (by checksum or file name).
 *
 * @param known the manifest model, or null
 * @param codes where the codes come from: one layer, or several joined (empty for commands that choose their
 *              layers themselves)
 * @param input how images are prepared
 */
public record ModelDefaults(KnownModels.Match known, List<CodeSpec> codes, InputRecipe input) {

    static ModelDefaults resolve(ModelOptions model, ManifestOption manifest, CodeOptions code,
            PreprocessOptions preprocess) {
        ModelDefaults d = resolveInput(model, manifest, preprocess);
        return new ModelDefaults(d.known(), code.toSpecs(d.known() == null ? null : d.known().entry()), d.input());
    }

    /**
     * The code layers and preprocessing that a command line of {@code --model}, {@code --weights}, {@code --layer},
     * {@code --pre-activation}, {@code --pool}, the preprocessing options and {@code --manifest} gives, parsed as
     * {@code cortado codes} parses them: for code that takes the same settings as text (the Spark transformer's
     * parameters, resolved on each executor).
     *
     * @throws IllegalArgumentException naming the option at fault
     */
    public static ModelDefaults fromArguments(List<String> args) {
        CodeArguments parsed = new CodeArguments();
        try {
            new CommandLine(parsed).parseArgs(args.toArray(String[]::new));
        } catch (CommandLine.ParameterException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        return resolve(parsed.model, parsed.manifest, parsed.code, parsed.preprocess);
    }

    /**
     * The options {@link #fromArguments} parses, as a mixin for commands of other packages (the Spark job's
     * {@code codes}): model, weights, manifest, code layer, preprocessing.
     */
    @CommandLine.Command(name = "codes")
    public static final class CodeArguments {
        @CommandLine.Mixin
        ModelOptions model;

        @CommandLine.Mixin
        ManifestOption manifest;

        @CommandLine.Mixin
        CodeOptions code;

        @CommandLine.Mixin
        PreprocessOptions preprocess;

        public Path model() {
            return model.model;
        }

        public Path weights() {
            return model.weights;
        }

        /** The code layers and preprocessing, the manifest filling in what the options leave out. */
        public ModelDefaults defaults() {
            return resolve(model, manifest, code, preprocess);
        }
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
    public String knownName() {
        return known == null ? null : known.entry().name();
    }

    /** One line saying where the defaults came from. */
    public String describeSource() {
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

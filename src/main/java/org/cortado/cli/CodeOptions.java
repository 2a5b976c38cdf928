package org.cortado.cli;

import java.util.Arrays;
import java.util.List;
import org.cortado.transfer.CodeSpec;
import org.cortado.weights.ModelEntry;
import picocli.CommandLine.Option;

/** Where the codes come from: {@code --layer}, {@code --pre-activation}, {@code --pool}. */
final class CodeOptions {
    @Option(names = "--layer", paramLabel = "LAYER",
            description = "The layer whose output serves as codes; the net is cut after it (default for a model of the"
                    + " weights manifest: its code layer, fire9/concat for SqueezeNet, fc7 for CaffeNet and AlexNet)."
                    + " Several layers joined by + (e.g. fire5/concat+fire6/concat) give their codes side by side, from"
                    + " one pass, the net cut after the deepest.")
    String layer;

    @Option(names = "--pre-activation",
            description = "Take the layer's own output, before the in-place layers that follow it (its ReLU). Default:"
                    + " after them, e.g. fc7 after relu7.")
    boolean preActivation;

    @Option(names = "--pool", paramLabel = "avg|max|none",
            description = "Pooling of (N, C, H, W) codes over H x W: avg, max, or none to flatten (default: the known"
                    + " model's, else avg). Codes without spatial extent are used as they are.")
    String pool;

    /** The code specs, one per layer of {@code --layer A+B}; options not given take {@code known}'s values. */
    List<CodeSpec> toSpecs(ModelEntry known) {
        if (layer == null || !layer.contains("+")) {
            return List.of(toSpec(known));
        }
        CodeSpec.Pooling p = pool != null ? CodeSpec.Pooling.parse(pool) : CodeSpec.Pooling.AVG;
        CodeSpec.Activation a = preActivation ? CodeSpec.Activation.PRE : CodeSpec.Activation.POST;
        return Arrays.stream(layer.split("\\+")).map(String::strip).map(l -> new CodeSpec(l, a, p)).toList();
    }

    /** The code spec; options not given take {@code known}'s values (null: no known model). */
    CodeSpec toSpec(ModelEntry known) {
        CodeSpec fromManifest = null;
        if (known != null && known.codeLayer() != null) {
            fromManifest = org.cortado.transfer.KnownModels.codeSpec(known);
        }
        String l = layer != null ? layer : fromManifest != null ? fromManifest.layer() : null;
        if (l == null) {
            throw new IllegalArgumentException("--layer is required: the model is not in the weights manifest, so its"
                    + " code layer is not known");
        }
        CodeSpec.Pooling p = pool != null ? CodeSpec.Pooling.parse(pool)
                : fromManifest != null && l.equals(fromManifest.layer()) ? fromManifest.pooling() : CodeSpec.Pooling.AVG;
        return new CodeSpec(l, preActivation ? CodeSpec.Activation.PRE : CodeSpec.Activation.POST, p);
    }
}

package org.cortado.transfer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.cortado.image.ResizeMode;
import org.cortado.image.TransformSpec;
import org.cortado.util.ReadFailure;
import org.cortado.weights.Checksum;
import org.cortado.weights.Fetcher;
import org.cortado.weights.Manifest;
import org.cortado.weights.ModelEntry;

/**
 * Recognises a caffemodel as one of the weights manifest's models, whose test-time preprocessing and code layer then
 * serve as defaults: the manifest records how each model was trained to see images.
 */
public final class KnownModels {
    private KnownModels() {
    }

    /**
     * A manifest entry and how the caffemodel was matched to it.
     *
     * @param entry the model
     * @param how   "checksum" or "file name"
     */
    public record Match(ModelEntry entry, String how) {
        /** "squeezenet_v1.0 (matched by file name)". */
        public String describe() {
            return entry.name() + " (matched by " + how + ")";
        }
    }

    /**
     * The manifest model whose published checksum the caffemodel has, else the one whose file name it has (a
     * converted or re-saved copy keeps the name but not the bytes), else empty.
     */
    public static Optional<Match> find(Manifest manifest, Path caffemodel) {
        Map<String, String> digests = new HashMap<>();
        for (ModelEntry e : manifest.models()) {
            Checksum expected = e.checksum();
            String actual = digests.computeIfAbsent(expected.algorithm(), a -> digest(caffemodel, a));
            if (actual.equalsIgnoreCase(expected.hex())) {
                return Optional.of(new Match(e, "checksum"));
            }
        }
        String name = caffemodel.getFileName().toString();
        for (ModelEntry e : manifest.models()) {
            if (e.caffemodel().equals(name)) {
                return Optional.of(new Match(e, "file name"));
            }
        }
        return Optional.empty();
    }

    private static String digest(Path file, String algorithm) {
        try {
            return Fetcher.digest(file, algorithm).toLowerCase(Locale.ROOT);
        } catch (IOException e) {
            throw new UncheckedIOException(ReadFailure.describe(file, e), e);
        }
    }

    /**
     * The model's test-time transform as Caffe's ImageNet models were evaluated: resize to the training images'
     * size, centre crop of the input size, per-channel BGR means, scale 1.
     */
    public static TransformSpec transform(ModelEntry e) {
        ModelEntry.Input in = e.input();
        List<Double> mean = e.mean() == null || e.mean().values() == null ? List.of() : e.mean().values();
        float[] means = new float[mean.size()];
        for (int i = 0; i < means.length; i++) {
            means[i] = mean.get(i).floatValue();
        }
        return new TransformSpec(new ResizeMode.Fixed(in.resizeHeight(), in.resizeWidth()), in.height(), in.width(),
                false, false, means, null, 1f);
    }

    /** The model's code layer, activation and pooling from the manifest. */
    public static CodeSpec codeSpec(ModelEntry e) {
        ModelEntry.CodeLayer c = e.codeLayer();
        return new CodeSpec(c.layer(), CodeSpec.Activation.parse(c.activation()), CodeSpec.Pooling.parse(c.pooling()));
    }
}

package org.cortado.transfer;

import java.util.Locale;

/**
 * Which values of a net serve as CNN codes.
 *
 * @param layer      the layer the net is cut after; the codes are its first top blob
 * @param activation the blob after the in-place layers that follow the layer (its ReLU, test-time Dropout), as the
 *                   transfer-learning recipes use it (CaffeNet {@code fc7} after {@code relu7}), or before them
 * @param pooling    how a blob (N, C, H, W) with spatial extent becomes a vector: averaged or maximised over H x W
 *                   (C values), or flattened (C H W values)
 */
public record CodeSpec(String layer, Activation activation, Pooling pooling) {
    public CodeSpec {
        if (layer == null || layer.isBlank()) {
            throw new IllegalArgumentException("a code layer name is required");
        }
        if (activation == null || pooling == null) {
            throw new IllegalArgumentException("activation and pooling are required");
        }
    }

    /** Post-activation codes of {@code layer}, averaged over space. */
    public static CodeSpec of(String layer) {
        return new CodeSpec(layer, Activation.POST, Pooling.AVG);
    }

    /** Before or after the in-place layers that follow the code layer. */
    public enum Activation {
        POST, PRE;

        /** "post" or "pre", as provenance records and the command line write it. */
        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Activation parse(String s) {
            return switch (s.toLowerCase(Locale.ROOT)) {
                case "post" -> POST;
                case "pre" -> PRE;
                default -> throw new IllegalArgumentException("unknown activation '" + s + "' (expected post or pre)");
            };
        }
    }

    /** Spatial pooling of a (N, C, H, W) code blob. */
    public enum Pooling {
        AVG, MAX, NONE;

        /** "avg", "max" or "none". */
        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Pooling parse(String s) {
            return switch (s.toLowerCase(Locale.ROOT)) {
                case "avg", "ave", "average", "mean" -> AVG;
                case "max" -> MAX;
                case "none", "flatten" -> NONE;
                default -> throw new IllegalArgumentException("unknown pooling '" + s + "' (expected avg, max or none)");
            };
        }
    }
}

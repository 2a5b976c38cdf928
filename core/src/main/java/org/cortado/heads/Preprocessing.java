package org.cortado.heads;

import java.util.Locale;

/** How codes are normalised before a linear head sees them. */
public enum Preprocessing {
    /** Codes as they are. */
    NONE,
    /** Per-dimension {@code (x - mean) / std}, mean and (population) std fitted on the training codes only. */
    STANDARDIZE,
    /** Each code divided by its Euclidean norm (zero codes stay zero). */
    L2;

    /** The lower-case name used on the command line and in reports. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code none}, {@code standardize} (or {@code standardise}, {@code std}) and {@code l2}. */
    public static Preprocessing parse(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "none" -> NONE;
            case "standardize", "standardise", "std" -> STANDARDIZE;
            case "l2" -> L2;
            default -> throw new IllegalArgumentException("unknown preprocessing '" + s
                    + "' (expected none, standardize or l2)");
        };
    }
}

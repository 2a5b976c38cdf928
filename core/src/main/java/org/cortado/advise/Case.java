package org.cortado.advise;

import java.util.Locale;

/** The four cases of transfer learning: how much data, and how like the source task's images it is. */
public enum Case {
    /** A linear classifier on the top codes. */
    SMALL_SIMILAR,
    /** Fine-tune the top of the net. */
    LARGE_SIMILAR,
    /** A linear classifier on codes from earlier in the net, whose top layers are specific to the source task. */
    SMALL_DIFFERENT,
    /** Fine-tune much or all of the net. */
    LARGE_DIFFERENT;

    /** "small-similar", "large-similar", "small-different" or "large-different". */
    public String id() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static Case of(boolean small, boolean similar) {
        return small ? (similar ? SMALL_SIMILAR : SMALL_DIFFERENT) : (similar ? LARGE_SIMILAR : LARGE_DIFFERENT);
    }

    public boolean small() {
        return this == SMALL_SIMILAR || this == SMALL_DIFFERENT;
    }

    public boolean similar() {
        return this == SMALL_SIMILAR || this == LARGE_SIMILAR;
    }
}

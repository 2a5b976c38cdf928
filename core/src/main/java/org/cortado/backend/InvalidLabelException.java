package org.cortado.backend;

/**
 * A label that is neither the ignored label nor an integer class index in {@code [0, classes)}, found by a loss or
 * accuracy operation; the layer that called adds its name to the message.
 */
public final class InvalidLabelException extends IllegalArgumentException {
    private final float label;
    private final long position;

    public InvalidLabelException(float label, long position, int classes) {
        super("label " + label + " at position " + position + " is not a class index in [0, " + classes + ")");
        this.label = label;
        this.position = position;
    }

    public float label() {
        return label;
    }

    /** The index of the label in the labels tensor. */
    public long position() {
        return position;
    }
}

package org.cortado.tensor;

/** Two shapes that must agree do not; the message names both. */
public final class ShapeMismatchException extends IllegalArgumentException {
    public ShapeMismatchException(String message) {
        super(message);
    }
}

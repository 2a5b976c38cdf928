package org.cortado.layers;

/** A net definition cannot be built or does not fit its weights; the message names the layer and the value. */
public final class NetDefinitionException extends RuntimeException {
    public NetDefinitionException(String message) {
        super(message);
    }

    public NetDefinitionException(String message, Throwable cause) {
        super(message, cause);
    }
}

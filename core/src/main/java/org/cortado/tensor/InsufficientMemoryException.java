package org.cortado.tensor;

/**
 * An array was refused, or failed, before it existed because the JVM's heap cannot hold it. The message names what
 * was being allocated and both sizes; callers that know more (the layer, the file) restate it with {@link #about};
 * the command line adds how to give Java more memory.
 */
public final class InsufficientMemoryException extends RuntimeException {
    private final long count;
    private final long neededBytes;
    private final String limit;

    /**
     * @param what        what was being allocated ("a tensor of shape (4096, 9216)")
     * @param count       how many floats it needed
     * @param neededBytes their size in bytes
     * @param limit       what it exceeded ("more than the 6.3 GB of heap this JVM may use")
     */
    public InsufficientMemoryException(String what, long count, long neededBytes, String limit) {
        super(what + ": " + count + " floats need " + HostMemory.size(neededBytes) + ", " + limit);
        this.count = count;
        this.neededBytes = neededBytes;
        this.limit = limit;
    }

    /** The same refusal described as {@code what} (e.g. naming a layer and parameter instead of a bare shape). */
    public InsufficientMemoryException about(String what) {
        InsufficientMemoryException e = new InsufficientMemoryException(what, count, neededBytes, limit);
        e.initCause(this);
        return e;
    }

    /** The size of the refused array, in bytes. */
    public long neededBytes() {
        return neededBytes;
    }
}

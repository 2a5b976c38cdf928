package org.cortado.tensor;

/**
 * The memory behind a tensor: a Java array on the host, or device memory of a GPU backend.
 * A buffer belongs to exactly one {@link Device}; moving data between devices is an explicit copy.
 */
public interface Buffer {
    /** Where the memory lives. */
    Device device();

    /** Capacity in float32 elements. */
    int length();
}

package org.cortado.tensor;

/**
 * A float32 tensor: a {@link Shape} over a {@link Buffer}, dense and row-major (NCHW for images).
 *
 * <p>Tensors are cheap handles: {@link #reshape} returns a new handle over the same buffer, which is how Flatten and
 * Reshape cost nothing. Data lives on one device; {@link #hostData()} works for host tensors only, and the
 * backend that owns a device tensor is the one that copies it to the host.
 */
public final class Tensor {
    private final Shape shape;
    private final Buffer buffer;

    public Tensor(Shape shape, Buffer buffer) {
        if (buffer.length() < shape.count()) {
            throw new IllegalArgumentException("buffer of " + buffer.length() + " floats is too small for shape " + shape);
        }
        this.shape = shape;
        this.buffer = buffer;
    }

    /**
     * A zero-filled host tensor.
     *
     * @throws InsufficientMemoryException when the heap cannot hold it (callers add what the tensor is for)
     */
    public static Tensor zeros(Shape shape) {
        return new Tensor(shape, new HostBuffer(HostMemory.floats(shape.count(), () -> "a tensor of shape " + shape)));
    }

    /** A host tensor over {@code data} (not copied). */
    public static Tensor wrap(Shape shape, float[] data) {
        if (data.length != shape.count()) {
            throw new IllegalArgumentException(data.length + " values do not fill shape " + shape + " (" + shape.count() + ")");
        }
        return new Tensor(shape, new HostBuffer(data));
    }

    public Shape shape() {
        return shape;
    }

    public int count() {
        return shape.count();
    }

    public Buffer buffer() {
        return buffer;
    }

    public Device device() {
        return buffer.device();
    }

    public boolean isHost() {
        return buffer instanceof HostBuffer;
    }

    /**
     * The float array of a host tensor (its first {@link #count()} elements are the tensor), to read or write. Each
     * call counts as a write ({@link HostBuffer#data()}): forms a backend derived from the values are not used after
     * it. Write the array before the tensor's next use by a backend, or call this again before writing.
     */
    public float[] hostData() {
        return host().data();
    }

    /** As {@link #hostData()}, for a caller that does not write the array: no write is counted. */
    public float[] hostDataToRead() {
        return host().dataToRead();
    }

    /** The host buffer's {@link HostBuffer#writeStamp()}: equal stamps mean no {@link #hostData()} call between. */
    public long hostWriteStamp() {
        return host().writeStamp();
    }

    private HostBuffer host() {
        if (buffer instanceof HostBuffer h) {
            return h;
        }
        throw new IllegalStateException("tensor of shape " + shape + " lives on " + device() + ", not on the host");
    }

    /** A handle with another shape of the same element count over the same buffer. */
    public Tensor reshape(Shape newShape) {
        if (newShape.count() != shape.count()) {
            throw new ShapeMismatchException("cannot reshape " + shape + " (" + shape.count() + " elements) to "
                    + newShape + " (" + newShape.count() + " elements)");
        }
        return new Tensor(newShape, buffer);
    }

    @Override
    public String toString() {
        return "Tensor" + shape + "@" + device();
    }
}

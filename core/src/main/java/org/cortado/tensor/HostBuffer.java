package org.cortado.tensor;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Host memory: a float array, with a stamp that changes whenever the array is handed out for writing.
 *
 * <p>The stamp lets a backend keep a form derived from the values (packed or transformed convolution weights) and
 * know it stale in O(1), where comparing the values cost a pass over them at every call (bench/RESULTS.md, "Batch 1
 * beside OpenCV"). Every writer of a host array gets it from {@link #data()}, which takes a new stamp, so a form
 * derived before that call is not used after it. Two rules follow for code that writes: write the array between
 * {@link #data()} and the next time a backend reads the tensor (a caller that keeps the array to write it later calls
 * {@link #data()} again), and write it through the buffer whose stamp is read (two buffers over one array, as two
 * {@link Tensor#wrap} calls would make, stamp separately).
 */
public final class HostBuffer implements Buffer {
    /** One counter for the process: a stamp is never taken twice, so equal stamps mean no write in between. */
    private static final AtomicLong STAMPS = new AtomicLong();

    private final float[] data;
    private volatile long writeStamp = STAMPS.incrementAndGet();

    public HostBuffer(float[] data) {
        this.data = data;
    }

    /** The array, to read or write: the buffer takes a new {@link #writeStamp()}. */
    public float[] data() {
        writeStamp = STAMPS.incrementAndGet();
        return data;
    }

    /** The array for a caller that only reads it: the stamp stays. */
    public float[] dataToRead() {
        return data;
    }

    /** Changes whenever {@link #data()} hands the array out; equal stamps mean the values were not written between. */
    public long writeStamp() {
        return writeStamp;
    }

    @Override
    public Device device() {
        return Device.CPU;
    }

    @Override
    public int length() {
        return data.length;
    }
}

package org.cortado.gpu;

import java.lang.ref.Cleaner;
import org.cortado.tensor.Buffer;
import org.cortado.tensor.Device;

/**
 * Device memory behind a tensor of the GPU backend: a block of the backend's caching allocator, given back to it when
 * the buffer becomes unreachable. Its elements are float32, or 16-bit values where the backend stores tensors in a
 * {@link Precision} of 16 bits; {@link #length()} counts elements either way.
 */
public final class DeviceBuffer implements Buffer {
    private static final Cleaner CLEANER = Cleaner.create();

    private final DeviceAllocator allocator;
    private final Device device;
    private final DeviceAllocator.Block block;
    private final int length;
    private final Precision precision;

    DeviceBuffer(DeviceAllocator allocator, Device device, int length) {
        this(allocator, device, length, Precision.FP32);
    }

    /** {@code length} elements of {@code precision}; 16-bit buffers round up to whole 32-bit words (fill's memset). */
    DeviceBuffer(DeviceAllocator allocator, Device device, int length, Precision precision) {
        this.allocator = allocator;
        this.device = device;
        this.length = length;
        this.precision = precision;
        long bytes = Math.max(1, (long) length) * precision.bytes;
        this.block = allocator.allocate((bytes + 3) & ~3L);
        DeviceAllocator.Block b = block;
        CLEANER.register(this, () -> allocator.release(b));
    }

    @Override
    public Device device() {
        return device;
    }

    @Override
    public int length() {
        return length;
    }

    /** The element type: float32, or bfloat16 / half bits. */
    Precision precision() {
        return precision;
    }

    /** Whether this buffer came from {@code a}: one allocator per backend, so whether the backend may use it. */
    boolean allocatedBy(DeviceAllocator a) {
        return allocator == a;
    }

    /** The device address of element {@code offset}. */
    long address(long offset) {
        return block.address() + offset * precision.bytes;
    }
}

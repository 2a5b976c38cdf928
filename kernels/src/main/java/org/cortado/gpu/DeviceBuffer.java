package org.cortado.gpu;

import java.lang.ref.Cleaner;
import org.cortado.tensor.Buffer;
import org.cortado.tensor.Device;

/**
 * Device memory behind a tensor of the GPU backend: a block of the backend's caching allocator, given back to it when
 * the buffer becomes unreachable.
 */
public final class DeviceBuffer implements Buffer {
    private static final Cleaner CLEANER = Cleaner.create();

    private final DeviceAllocator allocator;
    private final Device device;
    private final DeviceAllocator.Block block;
    private final int length;

    DeviceBuffer(DeviceAllocator allocator, Device device, int length) {
        this.allocator = allocator;
        this.device = device;
        this.length = length;
        this.block = allocator.allocate(Math.max(1, (long) length) * Float.BYTES);
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

    /** Whether this buffer came from {@code a}: one allocator per backend, so whether the backend may use it. */
    boolean allocatedBy(DeviceAllocator a) {
        return allocator == a;
    }

    /** The device address of element {@code offset}. */
    long address(long offset) {
        return block.address() + offset * Float.BYTES;
    }
}

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

    private final GpuBackend owner;
    private final DeviceAllocator.Block block;
    private final int length;

    DeviceBuffer(GpuBackend owner, DeviceAllocator allocator, int length) {
        this.owner = owner;
        this.length = length;
        this.block = allocator.allocate(Math.max(1, (long) length) * Float.BYTES);
        DeviceAllocator.Block b = block;
        CLEANER.register(this, () -> allocator.release(b));
    }

    @Override
    public Device device() {
        return owner.device();
    }

    @Override
    public int length() {
        return length;
    }

    GpuBackend owner() {
        return owner;
    }

    /** The device address of element {@code offset}. */
    long address(long offset) {
        return block.address() + offset * Float.BYTES;
    }
}

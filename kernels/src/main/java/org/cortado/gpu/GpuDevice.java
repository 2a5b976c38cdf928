package org.cortado.gpu;

import org.cortado.tensor.Device;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * One device as the GPU's op classes see it: the {@link DeviceApi} whose one stream orders all their work, the caching
 * allocator behind every buffer, tensors' memory, and kernel launches sized for the kernels' grid-stride loops. It
 * knows no operation, so the op classes and cuDNN depend on it and the backend on them, with no way back.
 */
final class GpuDevice {
    /** Grid size cap: grid-stride loops make any grid correct; this many blocks fill every GPU made so far. */
    static final int MAX_GRID = 65_535;

    private final DeviceApi api;
    private final DeviceAllocator allocator;
    private final Device device;
    private final String description;

    GpuDevice(DeviceApi api, Device device, String description) {
        this.api = api;
        this.device = device;
        this.description = description;
        this.allocator = new DeviceAllocator(api);
    }

    Device device() {
        return device;
    }

    String description() {
        return description;
    }

    /** The device's API, its context made current on the calling thread. */
    DeviceApi current() {
        api.makeCurrent();
        return api;
    }

    /** The CUDA context, for what only CUDA does (cuDNN, graphs). */
    CudaContext cuda() {
        if (api instanceof CudaContext ctx) {
            return ctx;
        }
        throw new UnsupportedOperationException(description + " is not a CUDA device");
    }

    boolean isCuda() {
        return api instanceof CudaContext;
    }

    /** Whether a CUDA graph is being captured from the stream now (nothing that waits for the device may run). */
    boolean capturing() {
        return api instanceof CudaContext ctx && ctx.capturing;
    }

    // ---- memory -------------------------------------------------------------------------------------------------

    /** {@code floats} floats of uninitialised device memory. */
    DeviceBuffer allocateBuffer(int floats) {
        api.makeCurrent();
        return new DeviceBuffer(allocator, device, floats);
    }

    /** A tensor of zeros. */
    Tensor allocate(Shape shape) {
        DeviceBuffer b = allocateBuffer(shape.count());
        if (shape.count() > 0) {
            api.memset32(b.address(0), 0, shape.count());
        }
        return new Tensor(shape, b);
    }

    Tensor upload(Tensor host) {
        DeviceBuffer b = allocateBuffer(host.count());
        if (host.count() > 0) {
            api.upload(host.hostData(), 0, host.count(), b.address(0));
        }
        return new Tensor(host.shape(), b);
    }

    Tensor download(Tensor t) {
        float[] out = new float[t.count()];
        if (t.isHost()) {
            System.arraycopy(t.hostData(), 0, out, 0, t.count());
        } else if (t.count() > 0) {
            DeviceBuffer b = buf(t);
            api.makeCurrent();
            api.download(b.address(0), out, 0, t.count());
        }
        return Tensor.wrap(t.shape(), out);
    }

    void copy(Tensor src, Tensor dst) {
        requireSameCount(src, dst);
        DeviceBuffer s = buf(src);
        DeviceBuffer d = buf(dst);
        api.makeCurrent();
        api.copy(d.address(0), s.address(0), (long) src.count() * Float.BYTES);
    }

    void fill(Tensor t, float value) {
        DeviceBuffer b = buf(t);
        if (t.count() == 0) {
            return;
        }
        api.makeCurrent();
        // A 32-bit memset writes any float's bit pattern, so no kernel is needed.
        api.memset32(b.address(0), Float.floatToRawIntBits(value), t.count());
    }

    /** Bytes held by live tensors, by the allocator's cache, and the most ever held by tensors. */
    long[] memoryStats() {
        return new long[] {allocator.bytesInUse(), allocator.bytesCached(), allocator.peakBytes()};
    }

    void synchronize() {
        api.makeCurrent();
        api.synchronize();
    }

    /** Frees the allocator's cache and closes the device; queued work must have finished. */
    void close() {
        allocator.releaseCached();
        api.close();
    }

    // ---- launches -----------------------------------------------------------------------------------------------

    /** Launches over {@code n} work items, none when {@code n} is 0; {@link Object}[] arguments are spliced in. */
    void run(Kernel k, int n, Object... args) {
        if (n == 0) {
            return;
        }
        launch(k, n, flatten(args));
    }

    /** Launches over {@code n} work items: the standard block, a grid capped at MAX_GRID (the kernels stride). */
    void launch(Kernel k, int n, Object... args) {
        int grid = (int) Math.max(1, Math.min(MAX_GRID, ((long) n + Kernel.BLOCK - 1) / Kernel.BLOCK));
        launchGrid(k, grid, args);
    }

    /** Launches {@code blocks} blocks (capped at MAX_GRID; the kernels stride), for kernels with a block per row. */
    void launchBlocks(Kernel k, int blocks, Object... args) {
        if (blocks == 0) {
            return;
        }
        launchGrid(k, Math.min(blocks, MAX_GRID), args);
    }

    /** Launches exactly {@code grid} blocks. */
    void launchGrid(Kernel k, int grid, Object... args) {
        api.makeCurrent();
        api.launch(k, grid, args);
    }

    private static Object[] flatten(Object[] args) {
        int size = 0;
        for (Object a : args) {
            size += a instanceof Object[] arr ? arr.length : 1;
        }
        if (size == args.length) {
            return args;
        }
        Object[] out = new Object[size];
        int i = 0;
        for (Object a : args) {
            if (a instanceof Object[] arr) {
                for (Object x : arr) {
                    out[i++] = x;
                }
            } else {
                out[i++] = a;
            }
        }
        return out;
    }

    // ---- tensors ------------------------------------------------------------------------------------------------

    /** The device buffer of {@code t}, which must be a tensor of this device's allocator. */
    DeviceBuffer buf(Tensor t) {
        if (t.buffer() instanceof DeviceBuffer b && b.allocatedBy(allocator)) {
            return b;
        }
        throw new IllegalArgumentException("tensor " + t.shape() + " lives on " + t.device() + ", not on this backend ("
                + description + "): upload it first");
    }

    /** The device address of {@code t}'s first element. */
    long addr(Tensor t) {
        return buf(t).address(0);
    }

    /** The address of {@code t}, or 0 (a null pointer, which the kernels read as absent) for no tensor. */
    long addrOrNull(Tensor t) {
        return t == null ? 0L : addr(t);
    }

    static void requireSameCount(Tensor a, Tensor b) {
        if (a.count() != b.count()) {
            throw new IllegalArgumentException("element counts differ: " + a.shape() + " vs " + b.shape());
        }
    }
}

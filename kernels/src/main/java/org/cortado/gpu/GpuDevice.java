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
    /** How the tensors this device allocates and uploads are stored. */
    private final Precision precision;

    GpuDevice(DeviceApi api, Device device, String description) {
        this(api, device, description, Precision.FP32);
    }

    GpuDevice(DeviceApi api, Device device, String description, Precision precision) {
        this.api = api;
        this.device = device;
        this.description = description;
        this.precision = precision;
        this.allocator = new DeviceAllocator(api);
    }

    Precision precision() {
        return precision;
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

    /** {@code floats} floats of uninitialised device memory (scratch: always float32, whatever tensors hold). */
    DeviceBuffer allocateBuffer(int floats) {
        api.makeCurrent();
        return new DeviceBuffer(allocator, device, floats);
    }

    /** {@code count} uninitialised elements of the tensors' precision. */
    DeviceBuffer allocateStored(int count) {
        api.makeCurrent();
        return new DeviceBuffer(allocator, device, count, precision);
    }

    /** A tensor of zeros, in the tensors' precision (0 is all zero bits in each). */
    Tensor allocate(Shape shape) {
        DeviceBuffer b = allocateStored(shape.count());
        if (shape.count() > 0) {
            api.memset32(b.address(0), 0, words(b));
        }
        return new Tensor(shape, b);
    }

    /** A float32 tensor of zeros whatever the tensors' precision: scratch for a layer that computes in float32. */
    Tensor allocateFloat(Shape shape) {
        DeviceBuffer b = allocateBuffer(shape.count());
        if (shape.count() > 0) {
            api.memset32(b.address(0), 0, shape.count());
        }
        return new Tensor(shape, b);
    }

    /** A copy of {@code host} in the tensors' precision: 16-bit values rounded on the device from the floats sent. */
    Tensor upload(Tensor host) {
        if (!precision.isHalf()) {
            DeviceBuffer b = allocateBuffer(host.count());
            if (host.count() > 0) {
                api.upload(host.hostData(), 0, host.count(), b.address(0));
            }
            return new Tensor(host.shape(), b);
        }
        DeviceBuffer floats = allocateBuffer(host.count());
        if (host.count() > 0) {
            api.upload(host.hostData(), 0, host.count(), floats.address(0));
        }
        DeviceBuffer b = allocateStored(host.count());
        // The stream orders the conversion after the copy, and a later reuse of the float block after both.
        run(Kernel.H16_FROM_FLOAT, host.count(), floats.address(0), b.address(0), precision.format, host.count());
        return new Tensor(host.shape(), b);
    }

    /** A host copy of {@code t} as floats (16-bit values widened exactly on the device first). */
    Tensor download(Tensor t) {
        float[] out = new float[t.count()];
        if (t.isHost()) {
            System.arraycopy(t.hostData(), 0, out, 0, t.count());
        } else if (t.count() > 0) {
            DeviceBuffer b = anyBuf(t);
            api.makeCurrent();
            if (b.precision().isHalf()) {
                DeviceBuffer floats = allocateBuffer(t.count());
                launch(Kernel.H16_TO_FLOAT, t.count(), b.address(0), floats.address(0), b.precision().format,
                        t.count());
                api.download(floats.address(0), out, 0, t.count());
            } else {
                api.download(b.address(0), out, 0, t.count());
            }
        }
        return Tensor.wrap(t.shape(), out);
    }

    /** Copies the values; between a float32 and a 16-bit tensor, converting. */
    void copy(Tensor src, Tensor dst) {
        requireSameCount(src, dst);
        DeviceBuffer s = anyBuf(src);
        DeviceBuffer d = anyBuf(dst);
        api.makeCurrent();
        Precision from = s.precision();
        Precision to = d.precision();
        if (from == to) {
            api.copy(d.address(0), s.address(0), (long) src.count() * from.bytes);
        } else if (from.isHalf() && to.isHalf()) {
            throw new IllegalArgumentException("cannot copy " + from.typeName() + " into " + to.typeName());
        } else if (from.isHalf()) {
            run(Kernel.H16_TO_FLOAT, src.count(), s.address(0), d.address(0), from.format, src.count());
        } else {
            run(Kernel.H16_FROM_FLOAT, src.count(), s.address(0), d.address(0), to.format, src.count());
        }
    }

    void fill(Tensor t, float value) {
        DeviceBuffer b = anyBuf(t);
        if (t.count() == 0) {
            return;
        }
        api.makeCurrent();
        if (!b.precision().isHalf() || Float.floatToRawIntBits(value) == 0) {
            // A 32-bit memset writes any float's bit pattern (and +0 is all zeros in 16 bits), so no kernel is needed.
            api.memset32(b.address(0), Float.floatToRawIntBits(value), words(b));
            return;
        }
        DeviceBuffer floats = allocateBuffer(t.count());
        api.memset32(floats.address(0), Float.floatToRawIntBits(value), t.count());
        run(Kernel.H16_FROM_FLOAT, t.count(), floats.address(0), b.address(0), b.precision().format, t.count());
    }

    /** The 32-bit words that hold {@code b}'s elements (16-bit buffers are allocated in whole words). */
    private static long words(DeviceBuffer b) {
        return ((long) b.length() * b.precision().bytes + 3) / 4;
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

    /** The device buffer of {@code t}, which must be a tensor of this device's allocator, of any precision. */
    DeviceBuffer anyBuf(Tensor t) {
        if (t.buffer() instanceof DeviceBuffer b && b.allocatedBy(allocator)) {
            return b;
        }
        throw new IllegalArgumentException("tensor " + t.shape() + " lives on " + t.device() + ", not on this backend ("
                + description + "): upload it first");
    }

    /**
     * The device address of {@code t}'s first element, for a float32 kernel or library call: a 16-bit tensor is
     * refused here, so that every operation without a 16-bit path says so instead of reading half the values.
     */
    long addr(Tensor t) {
        return buf(t).address(0);
    }

    /**
     * The device buffer of {@code t} for a float32 kernel or library call; a 16-bit tensor is refused (see
     * {@link #addr}).
     */
    DeviceBuffer buf(Tensor t) {
        DeviceBuffer b = anyBuf(t);
        if (b.precision().isHalf()) {
            throw new UnsupportedOperationException("a " + b.precision().typeName() + " tensor " + t.shape()
                    + " reached an operation that has only a float32 kernel on " + description + ": 16-bit storage"
                    + " (--precision " + b.precision().name().toLowerCase(java.util.Locale.ROOT) + ") runs inference"
                    + " through convolution, inner product, ReLU, pooling, LRN, concat, dropout and softmax only");
        }
        return b;
    }

    /** The device address of {@code t}'s first element, whatever its precision (for the 16-bit paths). */
    long addrAny(Tensor t) {
        return anyBuf(t).address(0);
    }

    /** Whether {@code t} holds 16-bit values. */
    boolean isHalf(Tensor t) {
        return anyBuf(t).precision().isHalf();
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

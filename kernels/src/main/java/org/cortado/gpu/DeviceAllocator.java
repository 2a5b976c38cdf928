package org.cortado.gpu;

import java.util.ArrayDeque;
import java.util.Map;
import java.util.TreeMap;

/**
 * A caching allocator of device memory, in the manner of PyTorch's: blocks are rounded to size classes and returned
 * to free lists instead of {@code cuMemFree}, because {@code cuMemAlloc}/{@code cuMemFree} synchronise the device and
 * cost far more than the kernels of a small layer. Reuse is safe without events because every operation of a backend
 * runs on its one stream, in order: a block freed after its last use is only touched by work queued later.
 *
 * <p>Blocks come back when their {@link DeviceBuffer} is garbage-collected (a {@link java.lang.ref.Cleaner} calls
 * {@link #release}); when the device is full the allocator empties its cache, asks for a collection, and tries once
 * more before failing with a message that says what is held.
 *
 * <p>On a device that checks every access against its allocation ({@link DeviceApi#checksBounds()}: the tests'
 * emulated device under AddressSanitizer) blocks are neither rounded nor handed to a smaller request, so that a kernel
 * reading or writing past the end of its tensor is past the end of its block.
 */
final class DeviceAllocator {
    /** Blocks up to 1 MiB are rounded to 512 bytes, larger ones to 2 MiB (PyTorch's classes). */
    private static final long SMALL_LIMIT = 1L << 20;
    private static final long SMALL_ROUND = 512;
    private static final long LARGE_ROUND = 2L << 20;
    /** A cached large block serves a request of at least half its size; beyond that the waste is not worth it. */
    private static final long MAX_WASTE_FACTOR = 2;
    /** How long an out-of-memory retry waits for the cleaner to return blocks after a collection. */
    private static final long GC_WAIT_MS = 100;

    /** One allocation: its device address and rounded size. */
    record Block(long address, long bytes) {
    }

    private final DeviceApi device;
    private final boolean exact;
    private final TreeMap<Long, ArrayDeque<Block>> free = new TreeMap<>();
    private long inUse;
    private long cached;
    private long peak;

    DeviceAllocator(DeviceApi device) {
        this.device = device;
        this.exact = device.checksBounds();
    }

    static long roundUp(long bytes) {
        long r = bytes <= SMALL_LIMIT ? SMALL_ROUND : LARGE_ROUND;
        return Math.max(r, (bytes + r - 1) / r * r);
    }

    /** A block of at least {@code bytes}; the calling thread must have the backend's context current. */
    Block allocate(long bytes) {
        long size = exact ? Math.max(1, bytes) : roundUp(bytes);
        synchronized (this) {
            Map.Entry<Long, ArrayDeque<Block>> e = free.ceilingEntry(size);
            if (e != null && (size <= SMALL_LIMIT || exact ? e.getKey() == size
                    : e.getKey() <= size * MAX_WASTE_FACTOR)) {
                Block b = e.getValue().pop();
                if (e.getValue().isEmpty()) {
                    free.remove(e.getKey());
                }
                cached -= b.bytes();
                inUse += b.bytes();
                peak = Math.max(peak, inUse);
                return b;
            }
        }
        long address;
        try {
            address = device.malloc(size);
        } catch (RuntimeException first) {
            releaseCached();
            System.gc();
            try {
                Thread.sleep(GC_WAIT_MS);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
            releaseCached();
            try {
                address = device.malloc(size);
            } catch (RuntimeException second) {
                long[] info = device.memoryInfo();
                throw new IllegalStateException(String.format("out of GPU memory allocating %,d bytes: this backend"
                        + " holds %,d bytes in tensors, the device has %,d of %,d bytes free (%s)", size, inUse,
                        info[0], info[1], second.getMessage()), second);
            }
        }
        synchronized (this) {
            inUse += size;
            peak = Math.max(peak, inUse);
        }
        return new Block(address, size);
    }

    /** Returns a block to the cache (any thread; no CUDA call). */
    synchronized void release(Block b) {
        free.computeIfAbsent(b.bytes(), k -> new ArrayDeque<>()).push(b);
        inUse -= b.bytes();
        cached += b.bytes();
    }

    /** Frees every cached block, after the queued work that may still use them; the context must be current. */
    void releaseCached() {
        device.synchronize();
        ArrayDeque<Block> all = new ArrayDeque<>();
        synchronized (this) {
            for (ArrayDeque<Block> q : free.values()) {
                all.addAll(q);
            }
            free.clear();
            cached = 0;
        }
        for (Block b : all) {
            device.free(b.address());
        }
    }

    synchronized long bytesInUse() {
        return inUse;
    }

    synchronized long bytesCached() {
        return cached;
    }

    synchronized long peakBytes() {
        return peak;
    }
}

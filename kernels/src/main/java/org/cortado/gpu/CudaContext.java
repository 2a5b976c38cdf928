package org.cortado.gpu;

import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDeviceGetAttribute;
import static jcuda.driver.JCudaDriver.cuDeviceGetCount;
import static jcuda.driver.JCudaDriver.cuDeviceGetName;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRelease;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain;
import static jcuda.driver.JCudaDriver.cuDriverGetVersion;
import static jcuda.driver.JCudaDriver.cuEventCreate;
import static jcuda.driver.JCudaDriver.cuEventRecord;
import static jcuda.driver.JCudaDriver.cuEventSynchronize;
import static jcuda.driver.JCudaDriver.cuInit;
import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static jcuda.driver.JCudaDriver.cuMemAllocHost;
import static jcuda.driver.JCudaDriver.cuMemFreeHost;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoHAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync;
import static jcuda.driver.JCudaDriver.cuStreamCreate;
import static jcuda.driver.JCudaDriver.cuStreamDestroy;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;

import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;
import jcuda.driver.CUstream;
import jcuda.driver.CUstream_flags;

/**
 * One GPU as the backend sees it: the device's primary context (the one cuBLAS and cuDNN use too), one stream on which
 * every operation is queued in order, the kernels, and pinned staging memory for copies between host arrays and the
 * device.
 *
 * <p>Uploads are asynchronous: the host array is copied into one of two pinned staging buffers and the transfer is
 * queued, so the host goes on (decoding the next batch) while the GPU copies and computes; a staging buffer is reused
 * only after the event recorded behind its last transfer has passed.
 */
final class CudaContext {
    /** Pinned staging buffers for uploads; two, so that filling one overlaps the transfer of the other. */
    private static final int STAGING_SLOTS = 2;
    /** Grid size cap: grid-stride loops make any grid correct; this many blocks fill every GPU made so far. */
    static final int MAX_GRID = 65_535;

    final int ordinal;
    final CUdevice device = new CUdevice();
    final String deviceName;
    final int ccMajor;
    final int ccMinor;
    final int driverVersion;
    final CUcontext context = new CUcontext();
    final CUstream stream = new CUstream();
    final KernelModules kernels;

    private final Staging[] uploads = new Staging[STAGING_SLOTS];
    private int nextUpload;
    private Staging download;
    /** The context each thread last made current (cuCtxSetCurrent is per thread and costs a driver call). */
    private static final ThreadLocal<CudaContext> CURRENT = new ThreadLocal<>();
    private boolean closed;

    /** A pinned host buffer and the event that marks the end of its last transfer. */
    private static final class Staging {
        final Pointer host = new Pointer();
        final long bytes;
        final FloatBuffer floats;
        final CUevent done = new CUevent();
        boolean used;

        Staging(long bytes) {
            this.bytes = bytes;
            cuMemAllocHost(host, bytes);
            floats = host.getByteBuffer(0, bytes).order(ByteOrder.nativeOrder()).asFloatBuffer();
            cuEventCreate(done, CUevent_flags.CU_EVENT_DISABLE_TIMING);
        }

        void free() {
            cuEventSynchronize(done);
            cuMemFreeHost(host);
        }
    }

    CudaContext(int ordinal, boolean nvrtc) {
        cuInit(0);
        int[] count = new int[1];
        cuDeviceGetCount(count);
        if (ordinal >= count[0]) {
            throw new IllegalStateException("CUDA device " + ordinal + " requested, the driver sees " + count[0]);
        }
        this.ordinal = ordinal;
        cuDeviceGet(device, ordinal);
        byte[] name = new byte[256];
        cuDeviceGetName(name, name.length, device);
        int len = 0;
        while (len < name.length && name[len] != 0) {
            len++;
        }
        deviceName = new String(name, 0, len, StandardCharsets.US_ASCII);
        int[] v = new int[1];
        cuDeviceGetAttribute(v, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device);
        ccMajor = v[0];
        cuDeviceGetAttribute(v, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device);
        ccMinor = v[0];
        cuDriverGetVersion(v);
        driverVersion = v[0];
        cuDevicePrimaryCtxRetain(context, device);
        makeCurrent();
        cuStreamCreate(stream, CUstream_flags.CU_STREAM_NON_BLOCKING);
        kernels = new KernelModules(ccMajor, ccMinor, nvrtc);
        kernels.loadAll();
    }

    /** Makes the context current on the calling thread (once per thread). */
    void makeCurrent() {
        if (closed) {
            throw new IllegalStateException("the GPU backend on cuda:" + ordinal + " is closed");
        }
        if (CURRENT.get() != this) {
            cuCtxSetCurrent(context);
            CURRENT.set(this);
        }
    }

    /** Launches {@code k} over {@code n} elements with the standard block and a capped grid (kernels stride). */
    void launch(Kernel k, int n, Object... args) {
        int grid = (int) Math.max(1, Math.min(MAX_GRID, ((long) n + Kernel.BLOCK - 1) / Kernel.BLOCK));
        launchGrid(k, grid, args);
    }

    /**
     * Launches {@code k} with {@code grid} blocks of {@link Kernel#BLOCK} threads. Arguments: {@link Long} is a device
     * address or a 64-bit integer (both 8 bytes), {@link Integer} an int, {@link Float} a float.
     */
    void launchGrid(Kernel k, int grid, Object... args) {
        Pointer[] params = new Pointer[args.length];
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            if (a instanceof Long l) {
                params[i] = Pointer.to(new long[] {l});
            } else if (a instanceof Integer n) {
                params[i] = Pointer.to(new int[] {n});
            } else if (a instanceof Float f) {
                params[i] = Pointer.to(new float[] {f});
            } else {
                throw new IllegalArgumentException("kernel " + k.function + " argument " + i + ": unsupported " + a);
            }
        }
        cuLaunchKernel(kernels.function(k), grid, 1, 1, Kernel.BLOCK, 1, 1, 0, stream, Pointer.to(params), null);
    }

    /** Queues a copy of {@code count} floats of {@code src} from {@code srcOffset} to device memory at {@code dst}. */
    void upload(float[] src, int srcOffset, int count, DevicePointer dst, long dstByteOffset) {
        long bytes = (long) count * Float.BYTES;
        Staging s = uploads[nextUpload];
        if (s == null || s.bytes < bytes) {
            if (s != null) {
                s.free();
            }
            s = new Staging(Math.max(bytes, 1L << 20));
            uploads[nextUpload] = s;
        } else if (s.used) {
            cuEventSynchronize(s.done);
        }
        nextUpload = (nextUpload + 1) % STAGING_SLOTS;
        s.floats.clear();
        s.floats.put(src, srcOffset, count);
        cuMemcpyHtoDAsync(dst.at(dstByteOffset), s.host, bytes, stream);
        cuEventRecord(s.done, stream);
        s.used = true;
    }

    /** Copies {@code count} floats from the device into {@code dst}, waiting for all queued work first. */
    void download(DevicePointer src, long srcByteOffset, float[] dst, int dstOffset, int count) {
        long bytes = (long) count * Float.BYTES;
        if (download == null || download.bytes < bytes) {
            if (download != null) {
                download.free();
            }
            download = new Staging(Math.max(bytes, 1L << 20));
        }
        cuMemcpyDtoHAsync(download.host, src.at(srcByteOffset), bytes, stream);
        cuStreamSynchronize(stream);
        download.floats.clear();
        download.floats.get(dst, dstOffset, count);
    }

    /** Copies {@code count} doubles from the device, waiting for queued work (reduction partials). */
    double[] downloadDoubles(DevicePointer src, int count) {
        float[] raw = new float[2 * count];
        download(src, 0, raw, 0, raw.length);
        double[] out = new double[count];
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(raw.length * Float.BYTES).order(ByteOrder.nativeOrder());
        b.asFloatBuffer().put(raw);
        b.asDoubleBuffer().get(out);
        return out;
    }

    void synchronize() {
        makeCurrent();
        cuStreamSynchronize(stream);
    }

    void close() {
        if (closed) {
            return;
        }
        makeCurrent();
        cuStreamSynchronize(stream);
        for (Staging s : uploads) {
            if (s != null) {
                s.free();
            }
        }
        if (download != null) {
            download.free();
        }
        cuStreamDestroy(stream);
        closed = true;
        CURRENT.remove();
        cuDevicePrimaryCtxRelease(device);
    }
}

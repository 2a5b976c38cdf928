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
import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemGetInfo;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoDAsync;
import static jcuda.driver.JCudaDriver.cuMemsetD32Async;
import static jcuda.jcublas.JCublas2.cublasCreate;
import static jcuda.jcublas.JCublas2.cublasDestroy;
import static jcuda.jcublas.JCublas2.cublasGemmEx_new;
import static jcuda.jcublas.JCublas2.cublasSetMathMode;
import static jcuda.jcublas.JCublas2.cublasSetStream;
import static jcuda.jcublas.JCublas2.cublasSgemm;
import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static jcuda.driver.JCudaDriver.cuMemAllocHost;
import static jcuda.driver.JCudaDriver.cuMemFreeHost;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoHAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync;
import static jcuda.driver.JCudaDriver.cuStreamCreate;
import static jcuda.driver.JCudaDriver.cuStreamDestroy;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import jcuda.Pointer;
import jcuda.cudaDataType;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;
import jcuda.driver.CUstream;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream_flags;
import jcuda.jcublas.cublasComputeType;
import jcuda.jcublas.cublasGemmAlgo;
import jcuda.jcublas.cublasHandle;
import jcuda.jcublas.cublasMath;
import jcuda.jcublas.cublasOperation;
import jcuda.runtime.cudaStream_t;

/**
 * One GPU as the backend sees it: the device's primary context (the one cuBLAS and cuDNN use too), one stream on which
 * every operation is queued in order, the kernels, and pinned staging memory for copies between host arrays and the
 * device.
 *
 * <p>Uploads are asynchronous: the host array is copied into one of two pinned staging buffers and the transfer is
 * queued, so the host goes on (decoding the next batch) while the GPU copies and computes; a staging buffer is reused
 * only after the event recorded behind its last transfer has passed.
 */
final class CudaContext implements DeviceApi {
    /** Pinned staging buffers for uploads; two, so that filling one overlaps the transfer of the other. */
    private static final int STAGING_SLOTS = 2;

    final int ordinal;
    final CUdevice device = new CUdevice();
    final String deviceName;
    final int ccMajor;
    final int ccMinor;
    final int driverVersion;
    final CUcontext context = new CUcontext();
    final CUstream stream = new CUstream();
    final KernelModules kernels;
    final cublasHandle cublas = new cublasHandle();
    private final MathMode math;
    /** Live allocations by base address: JCuda addresses device memory as an allocation's pointer plus an offset. */
    private final TreeMap<Long, DevicePointer> allocations = new TreeMap<>();
    private final Pointer one = Pointer.to(new float[] {1f});
    private final Pointer zero = Pointer.to(new float[] {0f});

    private final Staging[] uploads = new Staging[STAGING_SLOTS];
    private int nextUpload;
    private Staging download;
    /** The context each thread last made current (cuCtxSetCurrent is per thread and costs a driver call). */
    private static final ThreadLocal<CudaContext> CURRENT = new ThreadLocal<>();
    private boolean closed;
    /** Set while GpuBackend.capture records this context's stream into a graph. */
    boolean capturing;

    /** A pinned host buffer and the event that marks the end of its last transfer. */
    private static final class Staging {
        final Pointer host = new Pointer();
        final long bytes;
        final ByteBuffer raw;
        final FloatBuffer floats;
        final CUevent done = new CUevent();
        boolean used;

        Staging(long bytes) {
            this.bytes = bytes;
            cuMemAllocHost(host, bytes);
            raw = host.getByteBuffer(0, bytes).order(ByteOrder.nativeOrder());
            floats = raw.asFloatBuffer();
            cuEventCreate(done, CUevent_flags.CU_EVENT_DISABLE_TIMING);
        }

        void free() {
            cuEventSynchronize(done);
            cuMemFreeHost(host);
        }
    }

    CudaContext(int ordinal, boolean nvrtc, MathMode math) {
        this(ordinal, nvrtc, math, false);
    }

    /** With {@code compileKernels}, every kernel module is compiled by NVRTC, the build's PTX left unused. */
    CudaContext(int ordinal, boolean nvrtc, MathMode math, boolean compileKernels) {
        this.math = math;
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
        kernels = new KernelModules(ccMajor, ccMinor, nvrtc, compileKernels);
        kernels.loadAll();
        cublasCreate(cublas);
        cublasSetStream(cublas, new cudaStream_t(stream));
        cublasSetMathMode(cublas, math == MathMode.TF32 ? cublasMath.CUBLAS_TF32_TENSOR_OP_MATH
                : cublasMath.CUBLAS_DEFAULT_MATH);
    }

    /** JCuda's view of {@code address}: its allocation's pointer, offset. */
    CUdeviceptr pointer(long address) {
        Map.Entry<Long, DevicePointer> e;
        synchronized (allocations) {
            e = allocations.floorEntry(address);
        }
        if (e == null) {
            throw new IllegalArgumentException("device address 0x" + Long.toHexString(address) + " is in no allocation");
        }
        return e.getValue().at(address - e.getKey());
    }

    @Override
    public long malloc(long bytes) {
        DevicePointer p = new DevicePointer();
        cuMemAlloc(p, bytes);
        synchronized (allocations) {
            allocations.put(p.address(), p);
        }
        return p.address();
    }

    @Override
    public void free(long address) {
        DevicePointer p;
        synchronized (allocations) {
            p = allocations.remove(address);
        }
        cuMemFree(p);
    }

    @Override
    public long[] memoryInfo() {
        long[] free = new long[1];
        long[] total = new long[1];
        cuMemGetInfo(free, total);
        return new long[] {free[0], total[0]};
    }

    @Override
    public void memset32(long dst, int value, long count) {
        cuMemsetD32Async(pointer(dst), value, count, stream);
    }

    @Override
    public void copy(long dst, long src, long bytes) {
        cuMemcpyDtoDAsync(pointer(dst), pointer(src), bytes, stream);
    }

    @Override
    public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, long a, int lda, long b,
                      int ldb, float beta, long c, int ldc) {
        int opA = transA ? cublasOperation.CUBLAS_OP_T : cublasOperation.CUBLAS_OP_N;
        int opB = transB ? cublasOperation.CUBLAS_OP_T : cublasOperation.CUBLAS_OP_N;
        Pointer al = alpha == 1f ? one : Pointer.to(new float[] {alpha});
        Pointer be = beta == 0f ? zero : beta == 1f ? one : Pointer.to(new float[] {beta});
        if (math == MathMode.BF16) {
            // cublasGemmEx_new takes a cublasComputeType. JCublas2's cublasGemmEx takes the cuBLAS 10 form, a
            // cudaDataType that it migrates itself: COMPUTE_32F_FAST_16BF is none, so it returned NOT_SUPPORTED
            // without running the product, and without an exception (its result is not checked).
            cublasGemmEx_new(cublas, opA, opB, m, n, k, al, pointer(a), cudaDataType.CUDA_R_32F, lda, pointer(b),
                    cudaDataType.CUDA_R_32F, ldb, be, pointer(c), cudaDataType.CUDA_R_32F, ldc,
                    cublasComputeType.CUBLAS_COMPUTE_32F_FAST_16BF, cublasGemmAlgo.CUBLAS_GEMM_DEFAULT);
        } else {
            cublasSgemm(cublas, opA, opB, m, n, k, al, pointer(a), lda, pointer(b), ldb, be, pointer(c), ldc);
        }
    }

    @Override
    public void gemm16(Precision type, boolean transA, boolean transB, int m, int n, int k, float alpha, long a,
                       int lda, long b, int ldb, float beta, long c, int ldc) {
        int opA = transA ? cublasOperation.CUBLAS_OP_T : cublasOperation.CUBLAS_OP_N;
        int opB = transB ? cublasOperation.CUBLAS_OP_T : cublasOperation.CUBLAS_OP_N;
        Pointer al = alpha == 1f ? one : Pointer.to(new float[] {alpha});
        Pointer be = beta == 0f ? zero : beta == 1f ? one : Pointer.to(new float[] {beta});
        int t = type == Precision.BF16 ? cudaDataType.CUDA_R_16BF : cudaDataType.CUDA_R_16F;
        // COMPUTE_32F with 16-bit operands: float accumulation on the tensor cores (cuBLAS picks them for 16-bit types).
        cublasGemmEx_new(cublas, opA, opB, m, n, k, al, pointer(a), t, lda, pointer(b), t, ldb, be, pointer(c), t, ldc,
                cublasComputeType.CUBLAS_COMPUTE_32F, cublasGemmAlgo.CUBLAS_GEMM_DEFAULT);
    }

    /** Makes the context current on the calling thread (once per thread). */
    @Override
    public void makeCurrent() {
        if (closed) {
            throw new IllegalStateException("the GPU backend on cuda:" + ordinal + " is closed");
        }
        if (CURRENT.get() != this) {
            cuCtxSetCurrent(context);
            CURRENT.set(this);
        }
    }

    @Override
    public void launch(Kernel k, int grid, Object... args) {
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

    @Override
    public void upload(float[] src, int srcOffset, int count, long dst) {
        Staging s = nextUpload((long) count * Float.BYTES);
        s.floats.clear();
        s.floats.put(src, srcOffset, count);
        queueUpload(s, (long) count * Float.BYTES, dst);
    }

    @Override
    public void uploadBytes(byte[] src, int srcOffset, int count, long dst) {
        Staging s = nextUpload(count);
        s.raw.put(0, src, srcOffset, count);
        queueUpload(s, count, dst);
    }

    /** The next staging buffer, at least {@code bytes} large, once its previous transfer has passed. */
    private Staging nextUpload(long bytes) {
        if (capturing) {
            // The graph would copy from the staging buffer at every replay, after later uploads refilled it, and the
            // event recorded in the capture cannot be waited on (CUDA_ERROR_CAPTURED_EVENT at the slot's next use).
            throw new IllegalStateException("an upload cannot be captured in a CUDA graph on cuda:" + ordinal
                    + ": upload before capturing, and copy on the device inside the captured work");
        }
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
        return s;
    }

    /** Queues the transfer of the first {@code bytes} of {@code s} to {@code dst}, and the event behind it. */
    private void queueUpload(Staging s, long bytes, long dst) {
        cuMemcpyHtoDAsync(pointer(dst), s.host, bytes, stream);
        cuEventRecord(s.done, stream);
        s.used = true;
    }

    @Override
    public void download(long src, float[] dst, int dstOffset, int count) {
        long bytes = (long) count * Float.BYTES;
        if (download == null || download.bytes < bytes) {
            if (download != null) {
                download.free();
            }
            download = new Staging(Math.max(bytes, 1L << 20));
        }
        cuMemcpyDtoHAsync(download.host, pointer(src), bytes, stream);
        cuStreamSynchronize(stream);
        download.floats.clear();
        download.floats.get(dst, dstOffset, count);
    }

    @Override
    public void synchronize() {
        makeCurrent();
        cuStreamSynchronize(stream);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        makeCurrent();
        cuStreamSynchronize(stream);
        cublasDestroy(cublas);
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

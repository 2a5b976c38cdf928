package org.cortado.gpu;

/**
 * What the GPU backend asks of a device, in plain device addresses: memory, copies, kernel launches and a
 * column-major SGEMM with cuBLAS's semantics. {@link CudaContext} implements it over the CUDA driver and cuBLAS; the
 * tests' emulated device runs the same kernel sources on the CPU, so that everything the backend computes with its
 * own kernels is checked against the CPU oracle on machines without a GPU too. Work is queued in order; copies to the
 * host wait for it.
 */
interface DeviceApi extends AutoCloseable {

    /** Makes the device's context current on the calling thread. */
    void makeCurrent();

    /** Allocates {@code bytes} of device memory; throws (CudaException for CUDA) when the device is full. */
    long malloc(long bytes);

    void free(long address);

    /** Free and total device memory in bytes, for messages. */
    long[] memoryInfo();

    /** Sets {@code count} 32-bit words at {@code dst} to {@code value}. */
    void memset32(long dst, int value, long count);

    void copy(long dst, long src, long bytes);

    /** Queues a copy of {@code count} floats of {@code src} from {@code offset} to {@code dst}. */
    void upload(float[] src, int offset, int count, long dst);

    /** Queues a copy of {@code count} bytes of {@code src} from {@code offset} to {@code dst}. */
    void uploadBytes(byte[] src, int offset, int count, long dst);

    /** Copies {@code count} floats from {@code src} into {@code dst} at {@code offset}, after all queued work. */
    void download(long src, float[] dst, int offset, int count);

    /**
     * Launches {@code k} with {@code grid} blocks of {@link Kernel#BLOCK} threads. Arguments: {@link Long} is a device
     * address or a 64-bit integer, {@link Integer} an int, {@link Float} a float.
     */
    void launch(Kernel k, int grid, Object... args);

    /**
     * cuBLAS's {@code sgemm}: column-major {@code C = alpha op(A) op(B) + beta C}, {@code op(A)} m x k, {@code op(B)}
     * k x n, leading dimensions as cuBLAS takes them.
     */
    void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, long a, int lda, long b, int ldb,
               float beta, long c, int ldc);

    /**
     * {@link #sgemm} on 16-bit A, B and C ({@link Precision#BF16} or {@link Precision#FP16}) with float32 accumulation
     * and float32 {@code alpha}, {@code beta}: cuBLAS's {@code GemmEx} on tensor cores. Devices without it (the
     * emulated one) refuse.
     */
    default void gemm16(Precision type, boolean transA, boolean transB, int m, int n, int k, float alpha, long a,
                        int lda, long b, int ldb, float beta, long c, int ldc) {
        throw new UnsupportedOperationException("no 16-bit GEMM on this device");
    }

    void synchronize();

    /**
     * Whether the device checks every access against the allocation it falls in (the tests' emulated device, built
     * with AddressSanitizer): {@link DeviceAllocator} then allocates exact sizes, so that the check sees a tensor's end.
     */
    default boolean checksBounds() {
        return false;
    }

    @Override
    void close();
}

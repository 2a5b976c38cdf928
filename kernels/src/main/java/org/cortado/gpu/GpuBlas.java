package org.cortado.gpu;

import org.cortado.tensor.Tensor;

/**
 * The GPU's linear algebra: cuBLAS's GEMM in the engine's row-major terms, and the engine's elementwise linear kernels
 * ({@code elementwise.cu}): axpby, products, a per-channel bias and a per-channel affine map.
 */
final class GpuBlas {
    private final GpuDevice device;

    GpuBlas(GpuDevice device) {
        this.device = device;
    }

    /**
     * Row-major {@code C = alpha op(A) op(B) + beta C} over buffers at element offsets; on 16-bit buffers (all three
     * of one type) cuBLAS's GemmEx with float accumulation.
     */
    void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, DeviceBuffer a, long aOffset,
              DeviceBuffer b, long bOffset, float beta, DeviceBuffer c, long cOffset) {
        // cuBLAS is column-major; a row-major matrix read column-major is its transpose. So row-major
        // C (m x n) = op(A) op(B) is column-major C^T (n x m) = op(B)^T op(A)^T: swap the operands (B first), swap m
        // and n, keep each operand's own transpose flag, and use the row lengths of the stored matrices as leading
        // dimensions (B: n, or k when stored transposed; A: k, or m when stored transposed; C: n).
        int lda = transA ? m : k;
        int ldb = transB ? k : n;
        Precision type = c.precision();
        if (type.isHalf()) {
            if (a.precision() != type || b.precision() != type) {
                throw new IllegalArgumentException("GEMM operands of " + a.precision().typeName() + ", "
                        + b.precision().typeName() + " and " + type.typeName() + ": a 16-bit GEMM takes one type");
            }
            device.current().gemm16(type, transB, transA, n, m, k, alpha, b.address(bOffset), ldb, a.address(aOffset),
                    lda, beta, c.address(cOffset), n);
            return;
        }
        if (a.precision().isHalf() || b.precision().isHalf()) {
            throw new IllegalArgumentException("a float32 GEMM was given a 16-bit operand");
        }
        device.current().sgemm(transB, transA, n, m, k, alpha, b.address(bOffset), ldb, a.address(aOffset), lda, beta,
                c.address(cOffset), n);
    }

    void axpby(float alpha, Tensor x, float beta, Tensor y) {
        GpuDevice.requireSameCount(x, y);
        device.run(Kernel.AXPBY, x.count(), device.addr(x), device.addr(y), alpha, beta, x.count());
    }

    void multiply(Tensor a, Tensor b, Tensor out) {
        GpuDevice.requireSameCount(a, b);
        GpuDevice.requireSameCount(a, out);
        device.run(Kernel.MULTIPLY, a.count(), device.addr(a), device.addr(b), device.addr(out), a.count());
    }

    void addBias(Tensor data, Tensor bias, int outer, int channels, int inner) {
        int n = outer * channels * inner;
        device.run(Kernel.ADD_BIAS, n, device.addr(data), device.addr(bias), channels, inner, n);
    }

    void channelAffine(Tensor in, Tensor scale, Tensor bias, Tensor out, int outer, int channels, int inner) {
        int n = outer * channels * inner;
        device.run(Kernel.CHANNEL_AFFINE, n, device.addr(in), device.addr(scale), device.addrOrNull(bias),
                device.addr(out), channels, inner, n);
    }
}

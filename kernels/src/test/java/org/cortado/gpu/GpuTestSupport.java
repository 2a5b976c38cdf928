package org.cortado.gpu;

import org.cortado.backend.BackendUnavailableException;
import org.junit.jupiter.api.Assumptions;

/** Opens GPU backends for tests, or skips the test with the native stack's account of what is missing. */
final class GpuTestSupport {
    private GpuTestSupport() {
    }

    /** A backend on device 0, or an aborted (skipped) test whose message says why no GPU is usable here. */
    static GpuBackend open(ConvImpl conv, MathMode math) {
        return open(conv, math, false);
    }

    /** As {@link #open(ConvImpl, MathMode)}; with {@code compileKernels}, NVRTC compiles every kernel module. */
    static GpuBackend open(ConvImpl conv, MathMode math, boolean compileKernels) {
        return open(conv, math, Precision.FP32, compileKernels);
    }

    /** A backend on device 0 whose tensors are stored in {@code precision}, or an aborted test. */
    static GpuBackend open(ConvImpl conv, MathMode math, Precision precision) {
        return open(conv, math, precision, false);
    }

    private static GpuBackend open(ConvImpl conv, MathMode math, Precision precision, boolean compileKernels) {
        try {
            NativeStack stack = NativeStack.load();
            Assumptions.assumeTrue(!conv.needsCudnn() || stack.hasCudnn(),
                    () -> "cuDNN did not load, skipping CUDNN tests:\n" + String.join("\n", stack.report()));
            Assumptions.assumeTrue(!compileKernels || stack.hasNvrtc(),
                    () -> "NVRTC did not load, skipping the compiled-kernel tests:\n"
                            + String.join("\n", stack.report()));
            return GpuBackend.open(0, conv, math, precision, compileKernels);
        } catch (BackendUnavailableException e) {
            Assumptions.abort("no GPU here, GPU test skipped: " + e.getMessage());
            throw e;
        } catch (jcuda.CudaException e) {
            Assumptions.abort("the GPU libraries loaded but no GPU opened, GPU test skipped: " + e.getMessage());
            throw e;
        }
    }
}

package org.cortado.gpu;

import java.util.Map;
import org.cortado.backend.BackendUnavailableException;

/**
 * {@code java -cp ... org.cortado.gpu.DeviceReport}: says which libraries serve the GPU backend here and which GPU it
 * opens, or why it cannot (exit status 3). The first step of the device script, and a diagnosis for users.
 */
public final class DeviceReport {
    /** Exit status when no GPU backend can be opened. */
    public static final int NO_GPU = 3;

    private DeviceReport() {
    }

    public static void main(String[] args) {
        NativeStack stack;
        try {
            stack = NativeStack.load();
        } catch (BackendUnavailableException e) {
            System.err.println("cortado: no GPU backend on this machine:\n" + e.getMessage());
            System.exit(NO_GPU);
            return;
        }
        System.out.println("native libraries:");
        stack.report().forEach(System.out::println);
        try (GpuBackend b = GpuBackend.open(0, stack.hasCudnn() ? ConvImpl.CUDNN : ConvImpl.IM2COL_GEMM,
                MathMode.FP32)) {
            System.out.println("device: " + b.name());
            int[] cublas = new int[1];
            jcuda.jcublas.JCublas2.cublasGetVersion(b.context().cublas, cublas);
            System.out.println("cuBLAS version " + cublas[0]
                    + (stack.hasCudnn() ? ", cuDNN version " + jcuda.jcudnn.JCudnn.cudnnGetVersion() : ", no cuDNN"));
            for (Map.Entry<String, String> e : new java.util.TreeMap<>(b.kernelOrigins()).entrySet()) {
                System.out.println("  kernels " + e.getKey() + ": " + e.getValue());
            }
        } catch (RuntimeException e) {
            System.err.println("cortado: the GPU libraries loaded but no GPU opened: " + e.getMessage());
            System.exit(NO_GPU);
        }
    }
}

package org.cortado.gpu;

import java.util.Locale;
import jcuda.CudaException;
import org.cortado.backend.Backend;
import org.cortado.backend.BackendProvider;
import org.cortado.backend.BackendUnavailableException;

/**
 * Opens the GPU backend for {@code --device gpu|gpu:N|auto} (found by {@link java.util.ServiceLoader}). Defaults: device 0,
 * cuDNN convolutions when cuDNN loaded (else im2col + GEMM), FP32 math; the system properties
 * {@code cortado.gpu.conv} (im2col_gemm | cudnn | fastest) and {@code cortado.gpu.math} (fp32 | tf32 | bf16) override
 * them; {@code cortado.gpu.precision} (fp32 | bf16 | fp16, the CLI's {@code --precision}) stores the tensors in 16 bits
 * for inference ({@link Precision}).
 */
public final class GpuBackendProvider implements BackendProvider {
    @Override
    public String kind() {
        return "gpu";
    }

    @Override
    public Backend open(int ordinal) {
        NativeStack stack = NativeStack.load();
        String conv = System.getProperty("cortado.gpu.conv");
        String math = System.getProperty("cortado.gpu.math", "fp32");
        Precision precision = Precision.parse(System.getProperty("cortado.gpu.precision", "fp32"));
        ConvImpl impl = conv != null ? ConvImpl.valueOf(conv.toUpperCase(Locale.ROOT))
                : stack.hasCudnn() ? ConvImpl.CUDNN : ConvImpl.IM2COL_GEMM;
        try {
            return GpuBackend.open(ordinal, impl, MathMode.valueOf(math.toUpperCase(Locale.ROOT)), precision);
        } catch (CudaException | IllegalStateException e) {
            throw new BackendUnavailableException("the GPU libraries loaded but no GPU could be opened: "
                    + e.getMessage() + "\n" + String.join("\n", stack.report()), e);
        }
    }
}

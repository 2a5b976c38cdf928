package org.cortado.cli;

import org.cortado.backend.Backend;
import org.cortado.gpu.GpuBackend;
import org.cortado.gpu.Precision;
import picocli.CommandLine.Option;

/**
 * {@code --precision fp32|bf16|fp16}: how a net that runs on the GPU stores its tensors (activations, weights) for
 * inference. 16 bits halve the memory traffic and run the convolutions and inner products on tensor cores (float32
 * accumulation); the values written stay float32. The CPU computes in float32 only.
 */
public final class PrecisionOption {
    /** The GPU backend's system property ({@code GpuBackendProvider}). */
    static final String PROPERTY = "cortado.gpu.precision";

    @Option(names = "--precision", defaultValue = "fp32", paramLabel = "fp32|bf16|fp16",
            description = "GPU inference in 16 bits: bf16 (bfloat16) or fp16 (IEEE half) activations and weights,"
                    + " tensor-core convolutions and inner products with float32 sums; outputs written as float32."
                    + " Needs --device gpu (or auto with a GPU). Default: ${DEFAULT-VALUE}.")
    String precision;

    /**
     * The backend of {@code device} in this precision; a 16-bit precision asked of the CPU (or of {@code auto} that
     * found no GPU) fails in one line.
     */
    Backend open(DeviceOption device) {
        Precision p = Precision.parse(precision);
        if (!p.isHalf()) {
            return device.open();
        }
        if (device.device().equals("cpu")) {
            throw new IllegalArgumentException("--precision " + precision + " runs on the GPU only (--device gpu); the"
                    + " CPU computes in float32");
        }
        String before = System.getProperty(PROPERTY);
        System.setProperty(PROPERTY, p.name());
        Backend backend;
        try {
            backend = device.open();
        } finally {
            if (before == null) {
                System.clearProperty(PROPERTY);
            } else {
                System.setProperty(PROPERTY, before);
            }
        }
        if (!(backend instanceof GpuBackend)) {
            backend.close();
            throw new IllegalArgumentException("--precision " + precision + " needs a GPU, and --device "
                    + device.device() + " found none");
        }
        return backend;
    }
}

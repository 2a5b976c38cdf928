package org.cortado.gpu;

import org.cortado.tensor.Device;

/**
 * Opens the CUDA device a {@link GpuBackend} runs on: loads the native stack ({@link NativeStack#load}), checks that
 * it has what the options ask for (NVRTC to compile the kernels, cuDNN for its convolutions), creates the
 * {@link CudaContext} and names it after the device and the backend's modes. It returns the parts, not the backend,
 * so that no class below the backend points back at it.
 */
final class CudaDeviceOpener {
    /** An opened device: its context, its name in tensors, the backend's description, and whether cuDNN loaded. */
    record Opened(CudaContext context, Device device, String description, boolean withCudnn) {
    }

    private CudaDeviceOpener() {
    }

    static Opened open(int ordinal, ConvImpl convImpl, MathMode math, Precision precision, boolean compileKernels) {
        PrecisionRouting.requireSupported(convImpl, math, precision);
        NativeStack stack = NativeStack.load();
        if (compileKernels && !stack.hasNvrtc()) {
            throw new IllegalStateException("compiling the kernels was asked for, but NVRTC did not load:\n"
                    + String.join("\n", stack.report()));
        }
        if (convImpl.needsCudnn() && !stack.hasCudnn()) {
            throw new IllegalStateException("ConvImpl." + convImpl + " asked for, but cuDNN did not load:\n"
                    + String.join("\n", stack.report()));
        }
        CudaContext ctx = new CudaContext(ordinal, stack.hasNvrtc(), math, compileKernels);
        String name = String.format("cuda:%d (%s, compute %d.%d, driver %d.%d, conv %s, math %s%s)", ctx.ordinal,
                ctx.deviceName, ctx.ccMajor, ctx.ccMinor, ctx.driverVersion / 1000, ctx.driverVersion % 1000 / 10,
                convImpl, math, precision.isHalf() ? ", storage " + precision.typeName() : "");
        return new Opened(ctx, new Device("cuda:" + ctx.ordinal), name, stack.hasCudnn());
    }
}

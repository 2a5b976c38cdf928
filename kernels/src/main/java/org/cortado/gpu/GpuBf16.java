package org.cortado.gpu;

import org.cortado.tensor.Tensor;

/**
 * bfloat16 conversions on the device ({@code elementwise.cu}), for the BF16 math mode's cuDNN convolutions: floats
 * rounded to bfloat16 (nearest even) two per float slot, and widened back.
 */
final class GpuBf16 {
    private GpuBf16() {
    }

    /** {@code count} floats at {@code src} rounded to bfloat16 into {@code dst}, two per float slot. */
    static void toBf16(GpuDevice device, long src, long dst, int count) {
        device.launch(Kernel.FLOAT_TO_BF16, count, src, dst, count);
    }

    /** {@code count} bfloat16 values at {@code src} widened to floats at {@code dst}. */
    static void fromBf16(GpuDevice device, long src, long dst, int count) {
        device.launch(Kernel.BF16_TO_FLOAT, count, src, dst, count);
    }

    /** {@code out = float(bfloat16(in))}: what the BF16 mode does to a convolution's operands (for tests). */
    static void roundTrip(GpuDevice device, Tensor in, Tensor out) {
        GpuDevice.requireSameCount(in, out);
        DeviceBuffer half = device.allocateBuffer((in.count() + 1) / 2);
        toBf16(device, device.addr(in), half.address(0), in.count());
        fromBf16(device, half.address(0), device.addr(out), in.count());
    }
}

package org.cortado.gpu;

import java.util.Locale;

/**
 * How the GPU backend stores its tensors. {@link #FP32} is the default; with {@link #BF16} or {@link #FP16} every
 * tensor the backend allocates or uploads (activations, weights, biases) holds 16-bit values: uploads are rounded
 * to nearest even on the device, downloads widened exactly, cuDNN convolutions and cuBLAS GEMMs take 16-bit operands
 * on tensor cores with float32 accumulation, and the other layers' kernels ({@code half.cu}) compute in float32
 * between a 16-bit load and a 16-bit store. For inference only: an operation without a 16-bit path (every backward
 * pass and solver update, the less common layers) refuses such a tensor with one line.
 */
public enum Precision {
    FP32(4, -1, "float32"),
    /** bfloat16: float32's 8-bit exponent, 8 bits of significand (unit roundoff 2^-8). */
    BF16(2, 0, "bfloat16"),
    /** IEEE half: 5-bit exponent (largest 65504), 11 bits of significand (unit roundoff 2^-11). */
    FP16(2, 1, "float16");

    /** Bytes per stored element. */
    final int bytes;
    /** The {@code format} argument of the {@code half.cu} kernels; -1 for float32. */
    final int format;
    private final String typeName;

    Precision(int bytes, int format, String typeName) {
        this.bytes = bytes;
        this.format = format;
        this.typeName = typeName;
    }

    /** Whether tensors are stored in 16 bits. */
    public boolean isHalf() {
        return this != FP32;
    }

    /** "float32", "bfloat16" or "float16", for messages. */
    public String typeName() {
        return typeName;
    }

    /** {@code fp32}, {@code bf16} or {@code fp16} (any case). */
    public static Precision parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("precision '" + name + "' is not one of fp32, bf16, fp16");
        }
    }
}

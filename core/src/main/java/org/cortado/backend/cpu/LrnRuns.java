package org.cortado.backend.cpu;

/**
 * The inner loops of the across-channels LRN with Caffe's AlexNet beta of 0.75, over a run of pixels of one image
 * (see {@link CpuLrn}): {@code s^-0.75} as {@code 1 / sqrt(s * sqrt(s))}, every operation rounded to float on its own.
 * Two implementations with the same results bit for bit: {@link JavaLrnRuns} (plain loops; HotSpot does not
 * vectorise the square roots and divisions of these) and {@link VectorLrnRuns} (the Vector API, about eight times
 * faster on AVX-512), chosen as {@link GemmKernel#best()} chooses.
 */
interface LrnRuns {
    /**
     * For {@code i < len}: {@code sum = Σ_{q=lo..hi} in[base + q*hw + i]^2} (in that order), {@code s = k + a * sum},
     * {@code scale[off + i] = s}, {@code out[off + i] = in[off + i] / sqrt(s * sqrt(s))}.
     */
    void forward(float[] in, int base, int hw, int lo, int hi, int len, float k, float a, float[] out, float[] scale,
                 int off);

    /** {@code ratio[r + i] = dout[j + i] * out[j + i] / scale[j + i]} for {@code i < len}. */
    void ratio(float[] dout, float[] out, float[] scale, int j, int len, float[] ratio, int r);

    /**
     * For {@code i < len}: {@code acc = Σ_{q=lo..hi} ratio[r0 + q*run + i]} (in that order), {@code s = scale[off + i]},
     * {@code dinp[off + i] = dout[off + i] / sqrt(s * sqrt(s)) - factor * in[off + i] * acc}.
     */
    void backward(float[] ratio, int r0, int run, int lo, int hi, int len, float factor, float[] in, float[] scale,
                  float[] dout, float[] dinp, int off);

    /** The fastest implementation this JVM runs. */
    static LrnRuns best() {
        return Simd.best(() -> new VectorLrnRuns(), JavaLrnRuns::new);
    }
}

package org.cortado.backend;

/**
 * A stateless, counter-based random generator: the value for {@code (seed, counter)} is a fixed function of the
 * two, so that element {@code i} of a dropout mask or the crop of sample {@code j} in epoch {@code e} is the same
 * whichever thread, device or resumed run computes it.
 *
 * <p>The function is SplitMix64 (Steele, Lea, Flood 2014) read at a position: {@code bits64(seed, i)} is output
 * {@code i} of the SplitMix64 sequence started at {@code seed}, i.e. {@code mix(seed + (i + 1) * GOLDEN)} with
 * {@code mix(z) = z1 ^ (z1 >>> 31)}, {@code z1 = (z0 ^ (z0 >>> 27)) * 0x94D049BB133111EB},
 * {@code z0 = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9}, all in wrapping unsigned 64-bit arithmetic. A CUDA kernel
 * reproduces it bit for bit with {@code unsigned long long}. Floats take the top 24 bits, so every uniform is an
 * exact multiple of 2^-24 in [0, 1).
 */
public final class CounterRng {
    /** 2^64 / golden ratio, SplitMix64's increment. */
    public static final long GOLDEN = 0x9E3779B97F4A7C15L;
    private static final float FLOAT_UNIT = 0x1.0p-24f;
    private static final double DOUBLE_UNIT = 0x1.0p-53;

    private CounterRng() {
    }

    /** SplitMix64's finaliser (a bijection of 64-bit values). */
    public static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Output {@code counter} of the SplitMix64 sequence seeded with {@code seed}. */
    public static long bits64(long seed, long counter) {
        return mix(seed + (counter + 1) * GOLDEN);
    }

    /** A uniform float in [0, 1): the top 24 bits of {@link #bits64}, times 2^-24. */
    public static float uniform(long seed, long counter) {
        return (bits64(seed, counter) >>> 40) * FLOAT_UNIT;
    }

    /** A uniform double in [0, 1) from the top 53 bits. */
    public static double uniformDouble(long seed, long counter) {
        return (bits64(seed, counter) >>> 11) * DOUBLE_UNIT;
    }

    /** A uniform integer in [0, bound) (bound &gt; 0), by 64-bit multiply-shift of the top 32 bits (bias &lt; 2^-32 * bound). */
    public static int uniformInt(long seed, long counter, int bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("bound must be positive, got " + bound);
        }
        return (int) (((bits64(seed, counter) >>> 32) * bound) >>> 32);
    }

    /**
     * A standard normal value by Box-Muller over the uniforms at counters {@code 2 * counter} and
     * {@code 2 * counter + 1}, in double.
     */
    public static double gaussian(long seed, long counter) {
        double u1 = 1.0 - uniformDouble(seed, 2 * counter); // (0, 1]: log stays finite
        double u2 = uniformDouble(seed, 2 * counter + 1);
        return Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2.0 * Math.PI * u2);
    }

    /**
     * A seed for an independent sub-stream, e.g. {@code derive(runSeed, layerIndex)} for one layer's dropout or
     * {@code derive(derive(runSeed, STREAM_AUGMENT), epoch)} for one epoch's crops.
     */
    public static long derive(long seed, long key) {
        return bits64(mix(seed ^ 0x5851F42D4C957F2DL), key);
    }
}

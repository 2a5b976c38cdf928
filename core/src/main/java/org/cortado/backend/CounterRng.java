package org.cortado.backend;

/**
 * A counter-based random generator shared by every backend: the value for element {@code index} under {@code seed}
 * is a pure function of the two, so the CPU and the GPU draw the same dropout mask without sharing state, in any
 * order and on any number of threads.
 *
 * <p>The function is SplitMix64's output step (Steele, Lea and Flood, "Fast splittable pseudorandom number
 * generators", 2014; the mixer constants are Stafford's "variant 13") applied to {@code seed + (index + 1) * gamma}.
 * The CUDA kernels ({@code dropout.cu}) repeat the same 64-bit unsigned arithmetic; Java's {@code long} wraps the same
 * way and {@code >>>} is the unsigned shift, so the bits agree exactly. Change both or neither.
 *
 * <p>Training draws everything else from it too (crops, mirrors, shuffles, fillers), each from its own stream
 * ({@link #derive}), so that a resumed run draws what an uninterrupted one would.
 */
public final class CounterRng {
    /** The golden-ratio increment of SplitMix64: odd, so {@code index -> index * GAMMA} is a bijection. */
    public static final long GAMMA = 0x9E3779B97F4A7C15L;
    private static final long MIX1 = 0xBF58476D1CE4E5B9L;
    private static final long MIX2 = 0x94D049BB133111EBL;
    /** 2^-24: a 24-bit integer times this is an exact float in [0, 1). */
    private static final float UNIT = 0x1.0p-24f;
    private static final double DOUBLE_UNIT = 0x1.0p-53;

    private CounterRng() {
    }

    /** 64 well-mixed bits for element {@code index} under {@code seed}. */
    public static long bits(long seed, long index) {
        return mix(seed + (index + 1) * GAMMA);
    }

    /** SplitMix64's finaliser, a bijection of 64-bit values. */
    public static long mix(long z) {
        z = (z ^ (z >>> 30)) * MIX1;
        z = (z ^ (z >>> 27)) * MIX2;
        return z ^ (z >>> 31);
    }

    /** A uniform float in [0, 1) with 24 random bits (every value exact, so both backends compare equal). */
    public static float uniform(long seed, long index) {
        return (bits(seed, index) >>> 40) * UNIT;
    }

    /**
     * Whether dropout keeps element {@code index}: {@code uniform >= dropRatio}, so an element survives with
     * probability {@code 1 - dropRatio} (Caffe keeps when its 32-bit draw exceeds {@code ratio * UINT_MAX}).
     */
    public static boolean keep(long seed, long index, float dropRatio) {
        return uniform(seed, index) >= dropRatio;
    }

    /**
     * The least 24-bit draw that {@link #keep} keeps: {@code keep(seed, index, dropRatio)} is
     * {@code (bits(seed, index) >>> 40) >= keepThreshold(dropRatio)} (0 for a ratio of 0 or below, 2^24 for one of 1 or
     * above: then nothing is kept).
     */
    public static int keepThreshold(float dropRatio) {
        if (!(dropRatio > 0f)) {
            return 0;
        }
        return (int) Math.min(1 << 24, Math.ceil(dropRatio * 0x1.0p24));
    }

    /** A uniform double in [0, 1) from the top 53 bits. */
    public static double uniformDouble(long seed, long index) {
        return (bits(seed, index) >>> 11) * DOUBLE_UNIT;
    }

    /** A uniform integer in [0, bound), by multiply-shift of the top 32 bits (bias below bound * 2^-32). */
    public static int uniformInt(long seed, long index, int bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("bound must be positive, got " + bound);
        }
        return (int) (((bits(seed, index) >>> 32) * bound) >>> 32);
    }

    /** A standard normal value by Box-Muller over the uniforms at {@code 2 index} and {@code 2 index + 1}. */
    public static double gaussian(long seed, long index) {
        double u1 = 1.0 - uniformDouble(seed, 2 * index); // in (0, 1]: the logarithm stays finite
        double u2 = uniformDouble(seed, 2 * index + 1);
        return Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2.0 * Math.PI * u2);
    }

    /**
     * The seed of an independent sub-stream: {@code derive(runSeed, layerIndex)} for one layer's dropout,
     * {@code derive(derive(runSeed, AUGMENT), epoch)} for one epoch's crops.
     */
    public static long derive(long seed, long key) {
        return bits(mix(seed ^ 0x5851F42D4C957F2DL), key);
    }
}

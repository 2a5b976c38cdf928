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
 */
public final class CounterRng {
    /** The golden-ratio increment of SplitMix64: odd, so {@code index -> index * GAMMA} is a bijection. */
    public static final long GAMMA = 0x9E3779B97F4A7C15L;
    private static final long MIX1 = 0xBF58476D1CE4E5B9L;
    private static final long MIX2 = 0x94D049BB133111EBL;
    /** 2^-24: a 24-bit integer times this is an exact float in [0, 1). */
    private static final float UNIT = 0x1.0p-24f;

    private CounterRng() {
    }

    /** 64 well-mixed bits for element {@code index} under {@code seed}. */
    public static long bits(long seed, long index) {
        long z = seed + (index + 1) * GAMMA;
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
}

package org.cortado.backend.cpu;

import java.util.function.Supplier;

/**
 * Whether the CPU backend's Vector API loops run here, and the choice between them and the plain loops. The Vector
 * API classes are touched only inside {@link #best}'s first supplier, so that a JVM without the incubator module
 * never links them.
 */
final class Simd {
    /** System property that turns the Vector API loops off ({@code -Dcortado.simd=false}). */
    static final String PROPERTY = "cortado.simd";

    private Simd() {
    }

    /**
     * Whether the Vector API loops should run: the module {@code jdk.incubator.vector} is present (the launcher,
     * surefire and the benchmarks add it), its vectors have at least 256 bits (AVX2; below that 8-lane code would be
     * emulated) and {@value #PROPERTY} is not {@code false}.
     */
    static boolean usable() {
        return !"false".equalsIgnoreCase(System.getProperty(PROPERTY))
                && ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()
                && VectorWidth.preferredBits() >= 256;
    }

    /**
     * {@code vector}'s implementation where {@link #usable()}, else {@code plain}'s; {@code plain}'s too when the module
     * is there but unusable (a JVM without the intrinsics).
     */
    static <T> T best(Supplier<T> vector, Supplier<T> plain) {
        if (usable()) {
            try {
                return vector.get();
            } catch (LinkageError | IllegalStateException e) {
                return plain.get();
            }
        }
        return plain.get();
    }

    /** The preferred vector size, read in its own class so that only it links against the incubator module. */
    private static final class VectorWidth {
        private VectorWidth() {
        }

        static int preferredBits() {
            return jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize();
        }
    }
}

package org.cortado.backend.cpu;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link DoubleSums#sum} on the incubating Vector API: each run of floats widened to doubles a vector at a time
 * (as many floats as the widest double vector has lanes) into four vector accumulators. The scalar form converts
 * and adds one element at a time, about 0.6 elements per cycle; the bias gradients of a SqueezeNet step (68 million
 * elements at batch 16) cost 30 ms of one thread that way (bench/RESULTS.md, "The fine-tuning step's backward
 * passes"). Only loaded when the module {@code jdk.incubator.vector} is usable ({@link Simd#usable()}).
 */
final class VectorDoubleSums {
    /** The widest double vector (conditional expressions, which C2 keeps unboxed; see {@link VectorGemmKernel}). */
    private static final VectorSpecies<Double> D =
            FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 512 ? DoubleVector.SPECIES_512 : DoubleVector.SPECIES_256;
    /** Floats of as many lanes as {@link #D}: half its width. */
    private static final VectorSpecies<Float> F =
            FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 512 ? FloatVector.SPECIES_256 : FloatVector.SPECIES_128;
    private static final int L = D.length();

    private VectorDoubleSums() {
    }

    /** {@code a[from] + ... + a[to - 1]} in double. */
    static double sum(float[] a, int from, int to) {
        DoubleVector s0 = DoubleVector.zero(D);
        DoubleVector s1 = s0;
        DoubleVector s2 = s0;
        DoubleVector s3 = s0;
        int i = from;
        for (; i + 4 * L <= to; i += 4 * L) {
            s0 = s0.add(widen(a, i));
            s1 = s1.add(widen(a, i + L));
            s2 = s2.add(widen(a, i + 2 * L));
            s3 = s3.add(widen(a, i + 3 * L));
        }
        for (; i + L <= to; i += L) {
            s0 = s0.add(widen(a, i));
        }
        double sum = s0.add(s1).add(s2.add(s3)).reduceLanes(VectorOperators.ADD);
        for (; i < to; i++) {
            sum += a[i];
        }
        return sum;
    }

    private static DoubleVector widen(float[] a, int i) {
        return (DoubleVector) FloatVector.fromArray(F, a, i).convertShape(VectorOperators.F2D, D, 0);
    }
}

package org.cortado.bench;

import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The machine's attainable single-precision rate in this run: each of two threads (one per core) runs 16 independent
 * chains of vector FMAs with no memory traffic. On a quiet machine it gives the peak that {@link Report} uses,
 * {@code 2 cores x 3.56 GHz x 32 FLOP/cycle} (Zen 4: two 256-bit FMA pipes, AVX-512 issued as two halves, so 16 FMA
 * lanes x 2 FLOPs per cycle); on a loaded one it shows how much of the machine the run had.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Threads(2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class PeakBench {
    /** Loop trips per call; each trip is 16 FMAs on full vectors. */
    public static final int TRIPS = 1 << 20;
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    /** FLOPs of one call on one thread. */
    public static double flopsPerCall() {
        return 2.0 * 16 * S.length() * (double) TRIPS;
    }

    @Benchmark
    public float fmaChains() {
        FloatVector a = FloatVector.broadcast(S, 1.0000001f);
        FloatVector b = FloatVector.broadcast(S, 0.9999999f);
        FloatVector c0 = a;
        FloatVector c1 = a;
        FloatVector c2 = a;
        FloatVector c3 = a;
        FloatVector c4 = a;
        FloatVector c5 = a;
        FloatVector c6 = a;
        FloatVector c7 = a;
        FloatVector c8 = b;
        FloatVector c9 = b;
        FloatVector c10 = b;
        FloatVector c11 = b;
        FloatVector c12 = b;
        FloatVector c13 = b;
        FloatVector c14 = b;
        FloatVector c15 = b;
        for (int i = 0; i < TRIPS; i++) {
            c0 = c0.fma(a, b);
            c1 = c1.fma(a, b);
            c2 = c2.fma(a, b);
            c3 = c3.fma(a, b);
            c4 = c4.fma(a, b);
            c5 = c5.fma(a, b);
            c6 = c6.fma(a, b);
            c7 = c7.fma(a, b);
            c8 = c8.fma(a, b);
            c9 = c9.fma(a, b);
            c10 = c10.fma(a, b);
            c11 = c11.fma(a, b);
            c12 = c12.fma(a, b);
            c13 = c13.fma(a, b);
            c14 = c14.fma(a, b);
            c15 = c15.fma(a, b);
        }
        return c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).add(c8).add(c9).add(c10).add(c11)
                .add(c12).add(c13).add(c14).add(c15).reduceLanes(VectorOperators.ADD);
    }
}

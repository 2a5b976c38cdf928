package org.cortado.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** {@link MaxRuns} on the widest float vectors (lane-wise MAX is {@link Math#max}); tails in plain loops. */
final class VectorMaxRuns implements MaxRuns {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Int lanes as many as S's float lanes, for the argmax's bit patterns and indices. */
    private static final VectorSpecies<Integer> I = S.withLanes(int.class);
    private static final IntVector IOTA = IntVector.zero(I).addIndex(1);

    @Override
    public void max3(float[] a, int ao, float[] b, int bo, float[] c, int co, float[] out, int n) {
        int bound = S.loopBound(n);
        for (int i = 0; i < bound; i += S.length()) {
            FloatVector.fromArray(S, a, ao + i).max(-Float.MAX_VALUE).max(FloatVector.fromArray(S, b, bo + i))
                    .max(FloatVector.fromArray(S, c, co + i)).intoArray(out, i);
        }
        for (int i = bound; i < n; i++) {
            out[i] = Math.max(Math.max(Math.max(-Float.MAX_VALUE, a[ao + i]), b[bo + i]), c[co + i]);
        }
    }

    @Override
    public void maxInto(float[] row, int ro, float[] acc, int n) {
        int bound = S.loopBound(n);
        for (int i = 0; i < bound; i += S.length()) {
            FloatVector.fromArray(S, acc, i).max(FloatVector.fromArray(S, row, ro + i)).intoArray(acc, i);
        }
        for (int i = bound; i < n; i++) {
            acc[i] = Math.max(acc[i], row[ro + i]);
        }
    }

    @Override
    public void relu(float[] x, float[] y, int from, int to) {
        int bound = from + S.loopBound(to - from);
        int i = from;
        for (; i < bound; i += S.length()) {
            FloatVector.fromArray(S, x, i).max(0f).intoArray(y, i);
        }
        for (; i < to; i++) {
            y[i] = Math.max(x[i], 0f);
        }
    }

    @Override
    public void argmaxInto(float[] row, int ro, float[] max, int[] arg, int idx, int n) {
        int bound = S.loopBound(n);
        for (int i = 0; i < bound; i += S.length()) {
            IntVector v = FloatVector.fromArray(S, row, ro + i).reinterpretAsInts();
            IntVector d = v.lanewise(VectorOperators.XOR, FloatVector.fromArray(S, max, i).reinterpretAsInts());
            IntVector miss = d.or(d.neg()).lanewise(VectorOperators.ASHR, 31).and(Integer.MAX_VALUE);
            IntVector candidate = IOTA.add(idx + i).or(miss);
            IntVector.fromArray(I, arg, i).min(candidate).intoArray(arg, i);
        }
        for (int i = bound; i < n; i++) {
            arg[i] = Math.min(arg[i], JavaMaxRuns.candidate(row[ro + i], Float.floatToRawIntBits(max[i]), idx + i));
        }
    }
}

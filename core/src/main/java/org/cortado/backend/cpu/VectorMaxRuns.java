package org.cortado.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/** {@link MaxRuns} on the widest float vectors (lane-wise MAX is {@link Math#max}); tails in plain loops. */
final class VectorMaxRuns implements MaxRuns {
    private static final VectorSpecies<Float> S =
            FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 512 ? FloatVector.SPECIES_512 : FloatVector.SPECIES_256;
    /** Int lanes as many as S's float lanes, for the argmax's bit patterns and indices. */
    private static final VectorSpecies<Integer> I =
            FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 512 ? IntVector.SPECIES_512 : IntVector.SPECIES_256;
    private static final IntVector IOTA = IntVector.zero(I).addIndex(1);
    private static final int L = S.length();
    /**
     * Lane i takes lane {@code 2i mod L}: the even lanes of a vector in the low half, with {@link #HIGH} those of the
     * next one in the high half (two one-vector permutations and a blend: JDK 17 runs the two-vector
     * {@code rearrange} five times slower).
     */
    private static final VectorShuffle<Float> EVENS = VectorShuffle.fromOp(S, i -> 2 * i % L);
    private static final VectorShuffle<Float> ODDS = VectorShuffle.fromOp(S, i -> (2 * i + 1) % L);
    private static final VectorShuffle<Integer> EVENS_I = VectorShuffle.fromOp(I, i -> 2 * i % L);
    private static final VectorShuffle<Integer> ODDS_I = VectorShuffle.fromOp(I, i -> (2 * i + 1) % L);
    private static final long HIGH_LANES = (1L << L) - (1L << (L / 2));
    private static final VectorMask<Float> HIGH = VectorMask.fromLong(S, HIGH_LANES);
    private static final VectorMask<Integer> HIGH_I = VectorMask.fromLong(I, HIGH_LANES);

    @Override
    public void max3(float[] a, int ao, float[] b, int bo, float[] c, int co, float[] out, int n) {
        int bound = wholeVectors(n, Math.min(Math.min(a.length - ao, b.length - bo), Math.min(c.length - co,
                out.length)));
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
        int bound = wholeVectors(n, Math.min(row.length - ro, acc.length));
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
        int bound = wholeVectors(n, Math.min(row.length - ro, Math.min(max.length, arg.length)));
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

    /**
     * {@code n} rounded up to whole vectors where every array has {@code room} elements from its offset (the lanes
     * past n then run on whatever lies there, and their results are not used), else down, leaving a tail for the
     * plain loop: SqueezeNet's 111 columns are 6 vectors and 15 scalar steps, which cost more than the vectors.
     */
    private static int wholeVectors(int n, int room) {
        int up = (n + L - 1) / L * L;
        return up <= room ? up : S.loopBound(n);
    }

    @Override
    public void windowMax3(float[] cm, int c0, int stride, float[] out, int o, int count) {
        int p = stride == 1 ? windowMax3Stride1(cm, c0, out, o, count)
                : stride == 2 ? windowMaxStride2(cm, c0, out, o, count, true) : 0;
        JavaMaxRuns.windowMax3(cm, c0, stride, out, o, p, count);
    }

    // Each stride has a method of its own, the tails run in JavaMaxRuns, and no helper takes or returns a vector:
    // C2 compiles a small hot helper on its own first, then does not inline it (its code is too big), and the
    // vectors that cross the call are boxed (the training pass then ran 3 times slower in some JVM runs).

    /** The whole vectors of {@link #windowMax3} at stride 1; returns where the tail starts. */
    private static int windowMax3Stride1(float[] cm, int c0, float[] out, int o, int count) {
        int p = 0;
        for (; p + L <= count; p += L) {
            FloatVector.fromArray(S, cm, c0 + p).max(FloatVector.fromArray(S, cm, c0 + p + 1))
                    .max(FloatVector.fromArray(S, cm, c0 + p + 2)).intoArray(out, o + p);
        }
        return p;
    }

    /**
     * The whole vectors of {@link #windowMax3} ({@code threeWide}) or {@link #windowMax2} at stride 2: the maxima of
     * the even and the odd columns, and for 3-wide windows of the even ones from the next; returns where the tail
     * starts.
     */
    private static int windowMaxStride2(float[] cm, int c0, float[] out, int o, int count, boolean threeWide) {
        int p = 0;
        for (; p + L <= count; p += L) {
            int w = c0 + 2 * p;
            FloatVector lo = FloatVector.fromArray(S, cm, w);
            FloatVector hi = FloatVector.fromArray(S, cm, w + L);
            FloatVector m = lo.rearrange(EVENS).blend(hi.rearrange(EVENS), HIGH)
                    .max(lo.rearrange(ODDS).blend(hi.rearrange(ODDS), HIGH));
            if (threeWide) {
                FloatVector lo2 = FloatVector.fromArray(S, cm, w + 2);
                FloatVector hi2 = FloatVector.fromArray(S, cm, w + 2 + L);
                m = m.max(lo2.rearrange(EVENS).blend(hi2.rearrange(EVENS), HIGH));
            }
            m.intoArray(out, o + p);
        }
        return p;
    }

    @Override
    public void windowMax2(float[] cm, int c0, int stride, float[] out, int o, int count) {
        int p = stride == 2 ? windowMaxStride2(cm, c0, out, o, count, false) : 0;
        JavaMaxRuns.windowMax2(cm, c0, stride, out, o, p, count);
    }

    @Override
    public void max3x3Pad1(float[] in, int ib, int h, int w, float[] rowMax, float[] out, int ob) {
        int n = h * w;
        JavaMaxRuns.padRows(rowMax, w, n);
        JavaMaxRuns.rowWindows3(in, ib, rowMax, w, rowWindows3(in, ib, rowMax, w, n), n - 1);
        JavaMaxRuns.rowEnds(in, ib, h, w, rowMax);
        JavaMaxRuns.columnWindows3(rowMax, w, out, ob, columnWindows3(rowMax, w, out, ob, n), n);
    }

    // The two passes of max3x3Pad1 end on a last whole vector that overlaps the one before rather than on a tail of
    // scalar steps (the same values written twice): a 7x7 plane is 6 vectors a pass instead of 5 and 8 steps.

    /** The vectors of {@link JavaMaxRuns#rowWindows3} over {@code [1, n - 1)}; returns where the tail starts. */
    private static int rowWindows3(float[] in, int ib, float[] rowMax, int w, int n) {
        int last = n - 1 - L;
        if (last < 1) {
            return 1;
        }
        for (int i = 1; ; i += L) {
            int at = Math.min(i, last);
            FloatVector.fromArray(S, in, ib + at - 1).max(-Float.MAX_VALUE).max(FloatVector.fromArray(S, in, ib + at))
                    .max(FloatVector.fromArray(S, in, ib + at + 1)).intoArray(rowMax, w + at);
            if (at == last) {
                return n - 1;
            }
        }
    }

    /** The vectors of {@link JavaMaxRuns#columnWindows3} over {@code [0, n)}; returns where the tail starts. */
    private static int columnWindows3(float[] rowMax, int w, float[] out, int ob, int n) {
        int last = n - L;
        if (last < 0) {
            return 0;
        }
        for (int i = 0; ; i += L) {
            int at = Math.min(i, last);
            FloatVector.fromArray(S, rowMax, at).max(FloatVector.fromArray(S, rowMax, at + w))
                    .max(FloatVector.fromArray(S, rowMax, at + 2 * w)).intoArray(out, ob + at);
            if (at == last) {
                return n;
            }
        }
    }

    @Override
    public void windowArgmax3(float[] cm, int[] ca, int c0, int stride, float[] out, float[] mask, int o, int count) {
        int p = stride == 1 ? windowArgmax3Stride1(cm, ca, c0, out, mask, o, count)
                : stride == 2 ? windowArgmax3Stride2(cm, ca, c0, out, mask, o, count) : 0;
        JavaMaxRuns.windowArgmax3(cm, ca, c0, stride, out, mask, o, p, count);
    }

    /** The whole vectors of {@link #windowArgmax3} at stride 1; returns where the tail starts. */
    private static int windowArgmax3Stride1(float[] cm, int[] ca, int start, float[] out, float[] mask, int o,
                                            int count) {
        int p = 0;
        for (; p + L <= count; p += L) {
            IntVector best = FloatVector.fromArray(S, out, o + p).reinterpretAsInts();
            int at = start + p;
            IntVector d0 = FloatVector.fromArray(S, cm, at).reinterpretAsInts().lanewise(VectorOperators.XOR, best);
            IntVector d1 = FloatVector.fromArray(S, cm, at + 1).reinterpretAsInts().lanewise(VectorOperators.XOR, best);
            IntVector d2 = FloatVector.fromArray(S, cm, at + 2).reinterpretAsInts().lanewise(VectorOperators.XOR, best);
            IntVector c0 = IntVector.fromArray(I, ca, at).or(d0.or(d0.neg()).lanewise(VectorOperators.ASHR, 31)
                    .and(Integer.MAX_VALUE));
            IntVector c1 = IntVector.fromArray(I, ca, at + 1).or(d1.or(d1.neg()).lanewise(VectorOperators.ASHR, 31)
                    .and(Integer.MAX_VALUE));
            IntVector c2 = IntVector.fromArray(I, ca, at + 2).or(d2.or(d2.neg()).lanewise(VectorOperators.ASHR, 31)
                    .and(Integer.MAX_VALUE));
            IntVector arg = c0.min(c1).min(c2);
            // MAX_VALUE (no maximum found: a NaN window) becomes -1: of the indices a plane can hold (below 2^30),
            // only it has bit 30 set, and shifting that bit to the sign spreads it over the lane.
            arg = arg.or(arg.lanewise(VectorOperators.LSHL, 1).lanewise(VectorOperators.ASHR, 31));
            ((FloatVector) arg.convert(VectorOperators.I2F, 0)).intoArray(mask, o + p);
        }
        return p;
    }

    /** The whole vectors of {@link #windowArgmax3} at stride 2; returns where the tail starts. */
    private static int windowArgmax3Stride2(float[] cm, int[] ca, int start, float[] out, float[] mask, int o,
                                            int count) {
        int p = 0;
        for (; p + L <= count; p += L) {
            int w = start + 2 * p;
            IntVector best = FloatVector.fromArray(S, out, o + p).reinterpretAsInts();
            // The three columns of each window (w + 2i, + 1, + 2) from the bits of two vectors' worth each.
            IntVector lo = FloatVector.fromArray(S, cm, w).reinterpretAsInts();
            IntVector hi = FloatVector.fromArray(S, cm, w + L).reinterpretAsInts();
            IntVector lo2 = FloatVector.fromArray(S, cm, w + 2).reinterpretAsInts();
            IntVector hi2 = FloatVector.fromArray(S, cm, w + 2 + L).reinterpretAsInts();
            IntVector d0 = lo.rearrange(EVENS_I).blend(hi.rearrange(EVENS_I), HIGH_I).lanewise(VectorOperators.XOR, best);
            IntVector d1 = lo.rearrange(ODDS_I).blend(hi.rearrange(ODDS_I), HIGH_I).lanewise(VectorOperators.XOR, best);
            IntVector d2 = lo2.rearrange(EVENS_I).blend(hi2.rearrange(EVENS_I), HIGH_I)
                    .lanewise(VectorOperators.XOR, best);
            IntVector alo = IntVector.fromArray(I, ca, w);
            IntVector ahi = IntVector.fromArray(I, ca, w + L);
            IntVector alo2 = IntVector.fromArray(I, ca, w + 2);
            IntVector ahi2 = IntVector.fromArray(I, ca, w + 2 + L);
            IntVector c0 = alo.rearrange(EVENS_I).blend(ahi.rearrange(EVENS_I), HIGH_I)
                    .or(d0.or(d0.neg()).lanewise(VectorOperators.ASHR, 31).and(Integer.MAX_VALUE));
            IntVector c1 = alo.rearrange(ODDS_I).blend(ahi.rearrange(ODDS_I), HIGH_I)
                    .or(d1.or(d1.neg()).lanewise(VectorOperators.ASHR, 31).and(Integer.MAX_VALUE));
            IntVector c2 = alo2.rearrange(EVENS_I).blend(ahi2.rearrange(EVENS_I), HIGH_I)
                    .or(d2.or(d2.neg()).lanewise(VectorOperators.ASHR, 31).and(Integer.MAX_VALUE));
            IntVector arg = c0.min(c1).min(c2);
            arg = arg.or(arg.lanewise(VectorOperators.LSHL, 1).lanewise(VectorOperators.ASHR, 31));
            ((FloatVector) arg.convert(VectorOperators.I2F, 0)).intoArray(mask, o + p);
        }
        return p;
    }
}

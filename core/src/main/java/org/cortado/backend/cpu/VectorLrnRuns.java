package org.cortado.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link LrnRuns} on the widest float vectors: the window sums accumulate in a register across the channels (no
 * partial sums in memory), and the square roots and divisions run lane-wise. Every lane does the float operations of
 * {@link JavaLrnRuns} in the same order (multiplications and additions apart, never fused; square root and division
 * correctly rounded), so the results are the same bits; the tail of a run shorter than a vector takes the plain loop.
 */
final class VectorLrnRuns implements LrnRuns {
    private static final VectorSpecies<Float> S =
            FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 512 ? FloatVector.SPECIES_512 : FloatVector.SPECIES_256;
    private final JavaLrnRuns tail = new JavaLrnRuns();

    @Override
    public void forward(float[] in, int base, int hw, int lo, int hi, int len, float k, float a, float[] out,
                        float[] scale, int off) {
        int n = S.loopBound(len);
        for (int i = 0; i < n; i += S.length()) {
            FloatVector sum = FloatVector.zero(S);
            for (int q = lo; q <= hi; q++) {
                FloatVector v = FloatVector.fromArray(S, in, base + q * hw + i);
                sum = sum.add(v.mul(v));
            }
            FloatVector s = sum.mul(a).add(k);
            s.intoArray(scale, off + i);
            FloatVector.fromArray(S, in, off + i).div(s.mul(s.sqrt()).sqrt()).intoArray(out, off + i);
        }
        tail.forward(in, base + n, hw, lo, hi, len - n, k, a, out, scale, off + n);
    }

    @Override
    public void ratio(float[] dout, float[] out, float[] scale, int j, int len, float[] ratio, int r) {
        int n = S.loopBound(len);
        for (int i = 0; i < n; i += S.length()) {
            FloatVector.fromArray(S, dout, j + i).mul(FloatVector.fromArray(S, out, j + i))
                    .div(FloatVector.fromArray(S, scale, j + i)).intoArray(ratio, r + i);
        }
        tail.ratio(dout, out, scale, j + n, len - n, ratio, r + n);
    }

    @Override
    public void backward(float[] ratio, int r0, int run, int lo, int hi, int len, float factor, float[] in,
                         float[] scale, float[] dout, float[] dinp, int off) {
        int n = S.loopBound(len);
        for (int i = 0; i < n; i += S.length()) {
            FloatVector acc = FloatVector.zero(S);
            for (int q = lo; q <= hi; q++) {
                acc = acc.add(FloatVector.fromArray(S, ratio, r0 + q * run + i));
            }
            FloatVector s = FloatVector.fromArray(S, scale, off + i);
            FloatVector first = FloatVector.fromArray(S, dout, off + i).div(s.mul(s.sqrt()).sqrt());
            FloatVector second = FloatVector.fromArray(S, in, off + i).mul(factor).mul(acc);
            first.sub(second).intoArray(dinp, off + i);
        }
        tail.backward(ratio, r0 + n, run, lo, hi, len - n, factor, in, scale, dout, dinp, off + n);
    }
}

package org.cortado.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link WinogradRows} on the widest float vectors, one tile per lane: each lane does {@link JavaWinogradRows}'
 * float operations in the same order, so the results are the same bits; the row's last tiles short of a vector take
 * the plain loop.
 */
final class VectorWinogradRows implements WinogradRows {
    private static final VectorSpecies<Float> S =
            FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 512 ? FloatVector.SPECIES_512 : FloatVector.SPECIES_256;
    private final JavaWinogradRows tail = new JavaWinogradRows();

    @Override
    public void input(float[] rows, int r0, int r1, int r2, int r3, int odd, int tiles, float[] v, int off,
                      int stride) {
        int n = S.loopBound(tiles);
        for (int tx = 0; tx < n; tx += S.length()) {
            inputRow(v, off + tx, 0, stride, rows, r0 + tx, r2 + tx, odd, false);
            inputRow(v, off + tx, 4, stride, rows, r1 + tx, r2 + tx, odd, true);
            inputRow(v, off + tx, 8, stride, rows, r2 + tx, r1 + tx, odd, false);
            inputRow(v, off + tx, 12, stride, rows, r1 + tx, r3 + tx, odd, false);
        }
        tail.input(rows, r0 + n, r1 + n, r2 + n, r3 + n, odd, tiles - n, v, off + n, stride);
    }

    private static void inputRow(float[] v, int at, int xi0, int stride, float[] rows, int a, int b, int odd,
                                 boolean add) {
        FloatVector e0 = combine(rows, a, b, add);
        FloatVector e1 = combine(rows, a + odd, b + odd, add);
        FloatVector e2 = combine(rows, a + 1, b + 1, add);
        FloatVector e3 = combine(rows, a + odd + 1, b + odd + 1, add);
        int o = at + xi0 * stride;
        e0.sub(e2).intoArray(v, o);
        e1.add(e2).intoArray(v, o + stride);
        e2.sub(e1).intoArray(v, o + 2 * stride);
        e1.sub(e3).intoArray(v, o + 3 * stride);
    }

    private static FloatVector combine(float[] rows, int a, int b, boolean add) {
        FloatVector x = FloatVector.fromArray(S, rows, a);
        FloatVector y = FloatVector.fromArray(S, rows, b);
        return add ? x.add(y) : x.sub(y);
    }

    @Override
    public void output(float[] m, int off, int stride, int tiles, float bias, boolean relu, float[] y, int yOff,
                       int w) {
        int n = S.loopBound(tiles);
        for (int tx = 0; tx < n; tx += S.length()) {
            int at = off + tx;
            FloatVector t0 = sum3(m, at, stride, 0);
            FloatVector t1 = sum3(m, at, stride, 1);
            FloatVector t2 = sum3(m, at, stride, 2);
            FloatVector t3 = sum3(m, at, stride, 3);
            FloatVector b0 = diff3(m, at, stride, 4);
            FloatVector b1 = diff3(m, at, stride, 5);
            FloatVector b2 = diff3(m, at, stride, 6);
            FloatVector b3 = diff3(m, at, stride, 7);
            int o = yOff + tx;
            clamp(t0.add(t1).add(t2).add(bias), relu).intoArray(y, o);
            clamp(t1.sub(t2).sub(t3).add(bias), relu).intoArray(y, o + w);
            clamp(b0.add(b1).add(b2).add(bias), relu).intoArray(y, o + 2 * w);
            clamp(b1.sub(b2).sub(b3).add(bias), relu).intoArray(y, o + 3 * w);
        }
        tail.output(m, off + n, stride, tiles - n, bias, relu, y, yOff + n, w);
    }

    @Override
    public void inputF4(float[] src, int o0, int o1, int o2, int o3, int o4, int o5, int len, float[] dst, int d0,
                        int dStride) {
        int n = S.loopBound(len);
        for (int x = 0; x < n; x += S.length()) {
            FloatVector a0 = FloatVector.fromArray(S, src, o0 + x);
            FloatVector a1 = FloatVector.fromArray(S, src, o1 + x);
            FloatVector a2 = FloatVector.fromArray(S, src, o2 + x);
            FloatVector a3 = FloatVector.fromArray(S, src, o3 + x);
            FloatVector a4 = FloatVector.fromArray(S, src, o4 + x);
            FloatVector a5 = FloatVector.fromArray(S, src, o5 + x);
            FloatVector t1 = a4.sub(a2.mul(4f));
            FloatVector t2 = a3.sub(a1.mul(4f));
            FloatVector t3 = a4.sub(a2);
            FloatVector t4 = a3.sub(a1).mul(2f);
            int at = d0 + x;
            a0.mul(4f).sub(a2.mul(5f)).add(a4).intoArray(dst, at);
            t1.add(t2).intoArray(dst, at + dStride);
            t1.sub(t2).intoArray(dst, at + 2 * dStride);
            t3.add(t4).intoArray(dst, at + 3 * dStride);
            t3.sub(t4).intoArray(dst, at + 4 * dStride);
            a1.mul(4f).sub(a3.mul(5f)).add(a5).intoArray(dst, at + 5 * dStride);
        }
        tail.inputF4(src, o0 + n, o1 + n, o2 + n, o3 + n, o4 + n, o5 + n, len - n, dst, d0 + n, dStride);
    }

    @Override
    public void outputF4(float[] src, int o0, int o1, int o2, int o3, int o4, int o5, int len, float bias,
                         boolean relu, float[] dst, int d0, int dStride) {
        int n = S.loopBound(len);
        for (int x = 0; x < n; x += S.length()) {
            FloatVector m1 = FloatVector.fromArray(S, src, o1 + x);
            FloatVector m2 = FloatVector.fromArray(S, src, o2 + x);
            FloatVector m3 = FloatVector.fromArray(S, src, o3 + x);
            FloatVector m4 = FloatVector.fromArray(S, src, o4 + x);
            FloatVector s1 = m1.add(m2);
            FloatVector e1 = m1.sub(m2);
            FloatVector s2 = m3.add(m4);
            FloatVector e2 = m3.sub(m4);
            int at = d0 + x;
            clamp(FloatVector.fromArray(S, src, o0 + x).add(s1).add(s2).add(bias), relu).intoArray(dst, at);
            clamp(e1.add(e2.mul(2f)).add(bias), relu).intoArray(dst, at + dStride);
            clamp(s1.add(s2.mul(4f)).add(bias), relu).intoArray(dst, at + 2 * dStride);
            clamp(e1.add(e2.mul(8f)).add(FloatVector.fromArray(S, src, o5 + x)).add(bias), relu)
                    .intoArray(dst, at + 3 * dStride);
        }
        tail.outputF4(src, o0 + n, o1 + n, o2 + n, o3 + n, o4 + n, o5 + n, len - n, bias, relu, dst, d0 + n,
                dStride);
    }

    /** {@code m_xi + m_(xi+4) + m_(xi+8)}. */
    private static FloatVector sum3(float[] m, int at, int stride, int xi) {
        return FloatVector.fromArray(S, m, at + xi * stride).add(FloatVector.fromArray(S, m, at + (xi + 4) * stride))
                .add(FloatVector.fromArray(S, m, at + (xi + 8) * stride));
    }

    /** {@code m_xi - m_(xi+4) - m_(xi+8)}. */
    private static FloatVector diff3(float[] m, int at, int stride, int xi) {
        return FloatVector.fromArray(S, m, at + xi * stride).sub(FloatVector.fromArray(S, m, at + (xi + 4) * stride))
                .sub(FloatVector.fromArray(S, m, at + (xi + 8) * stride));
    }

    private static FloatVector clamp(FloatVector v, boolean relu) {
        return relu ? v.max(0f) : v;
    }
}

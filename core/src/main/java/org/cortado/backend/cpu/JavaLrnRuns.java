package org.cortado.backend.cpu;

/** {@link LrnRuns} in plain loops: the reference for {@link VectorLrnRuns}, and what runs without the Vector API. */
final class JavaLrnRuns implements LrnRuns {
    @Override
    public void forward(float[] in, int base, int hw, int lo, int hi, int len, float k, float a, float[] out,
                        float[] scale, int off) {
        for (int i = 0; i < len; i++) {
            float sum = 0f;
            for (int q = lo; q <= hi; q++) {
                float v = in[base + q * hw + i];
                sum += v * v;
            }
            float s = k + a * sum;
            scale[off + i] = s;
            float root = (float) Math.sqrt(s);
            out[off + i] = in[off + i] / (float) Math.sqrt(s * root);
        }
    }

    @Override
    public void ratio(float[] dout, float[] out, float[] scale, int j, int len, float[] ratio, int r) {
        for (int i = 0; i < len; i++) {
            ratio[r + i] = dout[j + i] * out[j + i] / scale[j + i];
        }
    }

    @Override
    public void backward(float[] ratio, int r0, int run, int lo, int hi, int len, float factor, float[] in,
                         float[] scale, float[] dout, float[] dinp, int off) {
        for (int i = 0; i < len; i++) {
            float acc = 0f;
            for (int q = lo; q <= hi; q++) {
                acc += ratio[r0 + q * run + i];
            }
            float s = scale[off + i];
            float root = (float) Math.sqrt(s);
            dinp[off + i] = dout[off + i] / (float) Math.sqrt(s * root) - factor * in[off + i] * acc;
        }
    }
}

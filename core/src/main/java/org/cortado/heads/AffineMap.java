package org.cortado.heads;

/**
 * A trained head as one affine map on the raw codes, ready to become an InnerProduct layer:
 * {@code scores = W x' + b}, where {@code x' = x / ||x||_2} when {@link #l2NormalizeInput} is set and {@code x' = x}
 * otherwise. Standardisation is folded into W and b; L2 normalisation cannot be (it is not affine) and is left to a
 * layer before the InnerProduct.
 *
 * @param weights          W, classes x D, float32 as Caffe stores it (InnerProduct's {@code (num_output, D)} blob)
 * @param bias             b, one per class
 * @param l2NormalizeInput whether the codes must be L2-normalised before W
 */
public record AffineMap(float[][] weights, float[] bias, boolean l2NormalizeInput) {
    /** Scores of one raw code. */
    public float[] apply(float[] code) {
        double scale = 1;
        if (l2NormalizeInput) {
            double ss = 0;
            for (float v : code) {
                ss += (double) v * v;
            }
            scale = ss > 0 ? 1 / Math.sqrt(ss) : 0;
        }
        float[] out = new float[bias.length];
        for (int k = 0; k < out.length; k++) {
            double acc = bias[k];
            for (int j = 0; j < code.length; j++) {
                acc += weights[k][j] * (code[j] * scale);
            }
            out[k] = (float) acc;
        }
        return out;
    }

    /** W flattened row-major, the data of Caffe's InnerProduct weight blob. */
    public float[] weightsRowMajor() {
        int d = weights[0].length;
        float[] out = new float[weights.length * d];
        for (int k = 0; k < weights.length; k++) {
            System.arraycopy(weights[k], 0, out, k * d, d);
        }
        return out;
    }
}

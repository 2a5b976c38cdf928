package org.cortado.backend;

/**
 * Where {@link LayerOps#argMax} looks and writes. The input is viewed as {@code (outer, dim, inner)}; for each of the
 * {@code outer * inner} positions the {@code k} largest of its {@code dim} values are found, ordered as Caffe's
 * {@code std::partial_sort} with {@code std::greater<pair<value, index>>} orders them (larger value first, and
 * between equal values the larger index first). Result {@code j} of position {@code (o, i)} goes to
 * {@code out[o * outerStride + indexOffset + j * inner + i]} (its index, as a float) and to
 * {@code out[o * outerStride + valueOffset + j * inner + i]} (its value); an offset of -1 writes nothing.
 */
public record TopK(int outer, int dim, int inner, int k, int outerStride, int indexOffset, int valueOffset) {
    public TopK {
        if (outer < 0 || dim < 1 || inner < 1 || k < 1 || k > dim) {
            throw new IllegalArgumentException("invalid top-k geometry " + this);
        }
    }
}

package org.cortado.caffe;

import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * One parameter blob as stored in a caffemodel.
 *
 * @param shape    the blob's dimensions: its {@code shape} field, or for legacy blobs {@code (num, channels, height,
 *                 width)}
 * @param legacy4d whether the dimensions came from the legacy {@code num/channels/height/width} fields; such a blob
 *                 matches a parameter whose shape, left-padded with ones to four axes, equals it (Caffe's rule for
 *                 V1 models, where fc6's weights are stored as {@code (1, 1, 4096, 9216)})
 * @param data     the values, row-major ({@code data} or {@code double_data} narrowed to float)
 */
public record WeightBlob(Shape shape, boolean legacy4d, float[] data) {
    public WeightBlob {
        if (data.length != shape.count()) {
            throw new IllegalArgumentException("blob of shape " + shape + " holds " + data.length + " values");
        }
    }

    /** Whether this blob can fill a parameter of shape {@code expected}. */
    public boolean fits(Shape expected) {
        if (shape.equals(expected)) {
            return true;
        }
        if (!legacy4d || expected.rank() > 4) {
            return false;
        }
        int[] padded = new int[4];
        int[] e = expected.dims();
        java.util.Arrays.fill(padded, 1);
        System.arraycopy(e, 0, padded, 4 - e.length, e.length);
        return Shape.of(padded).equals(shape);
    }

    /** The values as a host tensor of {@code target} shape (which must {@link #fits} this blob). */
    public Tensor toTensor(Shape target) {
        if (!fits(target)) {
            throw new IllegalArgumentException("blob of shape " + shape + " does not fit " + target);
        }
        return Tensor.wrap(target, data);
    }
}

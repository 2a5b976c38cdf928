package org.cortado.backend.cpu;

import org.cortado.backend.InvalidLabelException;
import org.cortado.backend.LossKernels;

/**
 * Reference loops of the copies of Crop (an N-dimensional window) and Embed (rows picked by index) over host arrays,
 * the oracle of the GPU's {@code copy.cu}.
 */
public final class CpuCopies {
    private CpuCopies() {
    }

    /**
     * Copies between the window of {@code big} (dimensions {@code bigDims}) that starts at {@code offsets} and
     * {@code small} (dimensions {@code smallDims}, the window's size): into {@code small} or, with {@code intoBig},
     * into the window, leaving the rest of {@code big} as it is. Rows of the last axis are copied whole, as Caffe's
     * crop_copy does.
     */
    public static void copyWindow(float[] big, int[] bigDims, int[] offsets, float[] small, int[] smallDims,
                                  boolean intoBig) {
        int rank = smallDims.length;
        int row = rank == 0 ? 1 : smallDims[rank - 1];
        long rows = 1;
        for (int a = 0; a < rank - 1; a++) {
            rows *= smallDims[a];
        }
        if (row == 0) {
            return;
        }
        for (long r = 0; r < rows; r++) {
            long rest = r;
            long bigAt = 0;
            long stride = 1;
            // The big tensor's element offset of the row's start: offsets added axis by axis, last axis first.
            bigAt += rank == 0 ? 0 : offsets[rank - 1];
            stride *= rank == 0 ? 1 : bigDims[rank - 1];
            for (int a = rank - 2; a >= 0; a--) {
                long index = rest % smallDims[a];
                rest /= smallDims[a];
                bigAt += (index + offsets[a]) * stride;
                stride *= bigDims[a];
            }
            int smallAt = (int) (r * row);
            if (intoBig) {
                System.arraycopy(small, smallAt, big, (int) bigAt, row);
            } else {
                System.arraycopy(big, (int) bigAt, small, smallAt, row);
            }
        }
    }

    /**
     * Embed's forward: {@code out[m, :] = weight[index[m], :]} for the {@code rows} indices, each row
     * {@code numOutput} long.
     *
     * @throws InvalidLabelException for the first index that is not an integer in {@code [0, inputDim)}
     */
    public static void embedForward(float[] indices, float[] weight, float[] out, int rows, int numOutput,
                                    int inputDim) {
        for (int m = 0; m < rows; m++) {
            int k = LossKernels.classIndex(indices, m, inputDim, null);
            System.arraycopy(weight, k * numOutput, out, m * numOutput, numOutput);
        }
    }

    /**
     * Embed's weight gradient: {@code dweight[index[m], :] += dout[m, :]} in order of {@code m}, in float (indices
     * were checked by {@link #embedForward}).
     */
    public static void embedBackward(float[] indices, float[] dout, float[] dweight, int rows, int numOutput) {
        for (int m = 0; m < rows; m++) {
            int base = (int) indices[m] * numOutput;
            for (int j = 0; j < numOutput; j++) {
                dweight[base + j] += dout[m * numOutput + j];
            }
        }
    }
}

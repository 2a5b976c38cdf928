package org.cortado.gpu;

import java.util.Arrays;
import java.util.List;
import org.cortado.tensor.Tensor;

/**
 * The GPU's data movement ({@code elementwise.cu}, {@code copy.cu}): strided block copies (Concat, Slice), the
 * elementwise MAX of Eltwise, Crop's N-dimensional window and Embed's rows picked by index (references
 * {@code CpuCopies}).
 */
final class GpuCopies {
    /** The rank {@code copy_window_kernel1} takes; a window is merged or padded to it. */
    private static final int WINDOW_RANK = 4;

    private final GpuDevice device;
    private final GpuReductions reductions;

    GpuCopies(GpuDevice device, GpuReductions reductions) {
        this.device = device;
        this.reductions = reductions;
    }

    void copyBlocks(Tensor src, int srcOffset, int srcStride, Tensor dst, int dstOffset, int dstStride,
                    int blockLength, int blocks, boolean accumulate) {
        int n = blockLength * blocks;
        if (n == 0) {
            return;
        }
        device.run(Kernel.COPY_BLOCKS, n, device.buf(src).address(srcOffset), device.buf(dst).address(dstOffset),
                srcStride, dstStride, blockLength, blocks, accumulate ? 1 : 0);
    }

    void eltwiseMaxForward(List<Tensor> inputs, Tensor out, Tensor mask) {
        device.copy(inputs.get(0), out);
        if (mask != null) {
            device.fill(mask, 0f);
        }
        for (int k = 1; k < inputs.size(); k++) {
            Tensor x = inputs.get(k);
            GpuDevice.requireSameCount(x, out);
            device.run(Kernel.ELTWISE_MAX_STEP, out.count(), device.addr(x), device.addr(out), device.addrOrNull(mask),
                    (float) k, out.count());
        }
    }

    void eltwiseMaxBackward(Tensor dout, Tensor mask, int index, Tensor dinp) {
        device.run(Kernel.ELTWISE_MAX_BACKWARD, dout.count(), device.addr(dout), device.addr(mask), (float) index,
                device.addr(dinp), dout.count());
    }

    void copyWindow(Tensor big, int[] offsets, Tensor small, boolean intoBig) {
        window(big.shape().dims(), offsets, small.shape().dims(), device.buf(big), 0, device.buf(small), 0, intoBig);
    }

    /**
     * Merges each axis that the window keeps whole into the axis before it (the window's rows stay the same elements),
     * pads to {@link #WINDOW_RANK} axes with leading 1s, and launches; a window of more axes than that after merging
     * runs as one launch per index of its first axis.
     */
    private void window(int[] bigDims, int[] offsets, int[] smallDims, DeviceBuffer big, long bigAt,
                        DeviceBuffer small, long smallAt, boolean intoBig) {
        int rank = smallDims.length;
        int[] b = new int[rank];
        int[] s = new int[rank];
        int[] o = new int[rank];
        int r = 0;
        for (int a = 0; a < rank; a++) {
            boolean whole = offsets[a] == 0 && smallDims[a] == bigDims[a];
            if (r > 0 && whole) {
                o[r - 1] *= bigDims[a];
                b[r - 1] *= bigDims[a];
                s[r - 1] *= smallDims[a];
            } else {
                b[r] = bigDims[a];
                s[r] = smallDims[a];
                o[r] = offsets[a];
                r++;
            }
        }
        if (r > WINDOW_RANK) {
            long bigStep = 1;
            long smallStep = 1;
            for (int a = 1; a < r; a++) {
                bigStep *= b[a];
                smallStep *= s[a];
            }
            int[] bRest = Arrays.copyOfRange(b, 1, r);
            int[] oRest = Arrays.copyOfRange(o, 1, r);
            int[] sRest = Arrays.copyOfRange(s, 1, r);
            for (int i = 0; i < s[0]; i++) {
                window(bRest, oRest, sRest, big, bigAt + (i + o[0]) * bigStep, small, smallAt + i * smallStep,
                        intoBig);
            }
            return;
        }
        int[] bb = pad(b, r);
        int[] ss = pad(s, r);
        int[] oo = new int[WINDOW_RANK];
        System.arraycopy(o, 0, oo, WINDOW_RANK - r, r);
        int n = ss[0] * ss[1] * ss[2] * ss[3];
        device.run(Kernel.COPY_WINDOW, n, big.address(bigAt), small.address(smallAt), intoBig ? 1 : 0, ss[1], ss[2],
                ss[3], bb[1], bb[2], bb[3], oo[0], oo[1], oo[2], oo[3], n);
    }

    /** The first {@code r} dimensions with leading 1s up to {@link #WINDOW_RANK}. */
    private static int[] pad(int[] dims, int r) {
        int[] out = {1, 1, 1, 1};
        System.arraycopy(dims, 0, out, WINDOW_RANK - r, r);
        return out;
    }

    void embedForward(Tensor indices, Tensor weight, Tensor out, int inputDim) {
        // Throws InvalidLabelException for the first index outside the table, as the CPU's lookup does.
        int rows = indices.count();
        reductions.reduceLabelled(Kernel.CHECK_INDICES, rows, indices, inputDim, device.addr(indices),
                reductions.partialsAddress(), rows, inputDim);
        int numOutput = weight.shape().dim(1);
        device.run(Kernel.EMBED_FORWARD, out.count(), device.addr(indices), device.addr(weight), device.addr(out),
                numOutput, out.count());
    }

    void embedBackward(Tensor indices, Tensor dout, Tensor dweight) {
        int numOutput = dweight.shape().dim(1);
        device.run(Kernel.EMBED_BACKWARD, numOutput, device.addr(indices), device.addr(dout), device.addr(dweight),
                indices.count(), numOutput);
    }
}

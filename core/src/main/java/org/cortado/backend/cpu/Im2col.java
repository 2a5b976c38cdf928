package org.cortado.backend.cpu;

import org.cortado.backend.ConvGeometry;

/**
 * Caffe's im2col for one image and one group: rows are {@code (channel, ky, kx)}, columns are output pixels, and
 * taps that fall in the padding read zero. The convolution then is one GEMM of the weights with this matrix.
 */
final class Im2col {
    private Im2col() {
    }

    /**
     * Fills {@code col} ({@code g.patchSize() x outH*outW}) from channels {@code [c0, c0 + C/group)} of the image
     * starting at {@code imgOff} in {@code img}. Rows {@code [rowStart, rowEnd)} only, so that callers can split it.
     */
    static void im2col(ConvGeometry g, float[] img, int imgOff, int c0, float[] col, int rowStart, int rowEnd) {
        int outH = g.outH();
        int outW = g.outW();
        int kernelArea = g.kernelH() * g.kernelW();
        int plane = g.inH() * g.inW();
        for (int row = rowStart; row < rowEnd; row++) {
            int c = row / kernelArea;
            int ky = (row % kernelArea) / g.kernelW();
            int kx = row % g.kernelW();
            int src = imgOff + (c0 + c) * plane;
            int dst = row * outH * outW;
            int dy = ky * g.dilationH() - g.padH();
            int dx = kx * g.dilationW() - g.padW();
            for (int oy = 0; oy < outH; oy++) {
                int iy = oy * g.strideH() + dy;
                int d = dst + oy * outW;
                if (iy < 0 || iy >= g.inH()) {
                    java.util.Arrays.fill(col, d, d + outW, 0f);
                    continue;
                }
                int rowBase = src + iy * g.inW();
                if (g.strideW() == 1) {
                    // Contiguous run of valid taps, zeros at either side.
                    int oxStart = Math.max(0, -dx);
                    int oxEnd = Math.min(outW, g.inW() - dx);
                    if (oxEnd <= oxStart) {
                        java.util.Arrays.fill(col, d, d + outW, 0f);
                        continue;
                    }
                    Zeros.fill(col, d, d + oxStart);
                    System.arraycopy(img, rowBase + oxStart + dx, col, d + oxStart, oxEnd - oxStart);
                    Zeros.fill(col, d + oxEnd, d + outW);
                } else {
                    // Valid taps are ox in [oxStart, oxEnd): a branch-free strided copy between zero fills.
                    int sw = g.strideW();
                    int oxStart = Math.min(outW, dx >= 0 ? 0 : (-dx + sw - 1) / sw);
                    int oxEnd = Math.max(oxStart, Math.min(outW, (g.inW() - dx + sw - 1) / sw));
                    Zeros.fill(col, d, d + oxStart);
                    int from = rowBase + oxStart * sw + dx;
                    for (int ox = oxStart; ox < oxEnd; ox++, from += sw) {
                        col[d + ox] = img[from];
                    }
                    Zeros.fill(col, d + oxEnd, d + outW);
                }
            }
        }
    }

    /**
     * The input channels of one image and group as {@link #packPanel} reads them, so that each tap's pixels along an
     * output row are consecutive: the image itself when the stride is 1; otherwise a copy with every row split into
     * its {@code strideW} phases ({@code phase r} holds columns {@code r, r + stride, ...}), made in one pass over the
     * image. The packing then copies runs instead of gathering every stride-th pixel (for SqueezeNet's conv1 the
     * gather loop took a sixth of the forward pass).
     *
     * @param data       the pixels
     * @param offset     where the group's first channel starts
     * @param phaseWidth the width of a phase row, or 0 for the unsplit image
     */
    record Columns(float[] data, int offset, int phaseWidth) {
    }

    /**
     * {@link Columns} of channels {@code [c0, c0 + inChannelsPerGroup)} of the image at {@code imgOff}; a split copy
     * goes to {@code holder[0]} (the caller's buffer, grown here) rather than to a new array per call, which
     * was allocated and zeroed on every pass (0.6 MB for AlexNet's conv1).
     */
    static Columns columns(ConvGeometry g, float[] img, int imgOff, int c0, float[][] holder) {
        int inH = g.inH();
        int inW = g.inW();
        int offset = imgOff + c0 * inH * inW;
        int sw = g.strideW();
        if (sw == 1) {
            return new Columns(img, offset, 0);
        }
        int pw = (inW + sw - 1) / sw;
        int rows = g.inChannelsPerGroup() * inH;
        if (holder[0].length < rows * sw * pw) {
            holder[0] = new float[rows * sw * pw];
        }
        float[] split = holder[0];
        for (int row = 0; row < rows; row++) {
            int from = offset + row * inW;
            int to = row * sw * pw;
            for (int r = 0; r < sw; r++, to += pw) {
                for (int x = r, t = to; x < inW; x += sw, t++) {
                    split[t] = img[from + x];
                }
            }
        }
        return new Columns(split, 0, pw);
    }

    /**
     * A block of the im2col matrix of {@link #im2col}, gathered straight from the image into the packed layout of a
     * GEMM's B ({@link Gemm.PanelSource}): rows {@code [pc, pc + kc)} ({@code (channel, ky, kx)}), columns
     * {@code [jc, jc + nc)} (output pixels) into strips of {@code nr} columns,
     * {@code bp[s*kc*nr + p*nr + q] = col[pc + p, jc + s*nr + q]}, zero past column nc. The forward pass then never
     * writes the whole matrix (for SqueezeNet's conv1, 147 x 12321 floats per image) nor reads it back.
     */
    static void packPanel(ConvGeometry g, Columns src, int pc, int kc, int jc, int nc, int nr, float[] bp) {
        int outW = g.outW();
        int inW = g.inW();
        int inH = g.inH();
        int sw = g.strideW();
        int pw = src.phaseWidth();
        int kernelArea = g.kernelH() * g.kernelW();
        int strips = (nc + nr - 1) / nr;
        for (int p = 0; p < kc; p++) {
            int row = pc + p;
            int c = row / kernelArea;
            int ky = (row % kernelArea) / g.kernelW();
            int kx = row % g.kernelW();
            int dy = ky * g.dilationH() - g.padH();
            int dx = kx * g.dilationW() - g.padW();
            // Output columns whose tap lies inside the image row: ox in [oxStart, oxEnd).
            int oxStart = Math.min(outW, dx >= 0 ? 0 : (-dx + sw - 1) / sw);
            int oxEnd = Math.max(oxStart, Math.min(outW, (inW - dx + sw - 1) / sw));
            // Output column ox reads input column ox * sw + dx: in the split rows, phase floorMod(dx, sw) at
            // ox + floorDiv(dx, sw); in the image, dx + ox.
            int rowWidth = pw == 0 ? inW : sw * pw;
            int tapShift = pw == 0 ? dx : Math.floorMod(dx, sw) * pw + Math.floorDiv(dx, sw);
            int channelBase = src.offset() + c * inH * rowWidth + tapShift;
            int j = jc;
            int end = jc + nc;
            while (j < end) {
                int q = (j - jc) % nr;
                int d = ((j - jc) / nr) * kc * nr + p * nr + q;
                int oy = j / outW;
                int ox = j - oy * outW;
                // A run of consecutive pixels within one output row and one strip.
                int len = Math.min(Math.min(outW - ox, end - j), nr - q);
                int iy = oy * g.strideH() + dy;
                int lo = Math.max(ox, oxStart);
                int hi = Math.min(ox + len, oxEnd);
                if (iy < 0 || iy >= inH || hi <= lo) {
                    java.util.Arrays.fill(bp, d, d + len, 0f);
                } else {
                    Zeros.fill(bp, d, d + lo - ox);
                    int to = d + lo - ox;
                    System.arraycopy(src.data(), channelBase + iy * rowWidth + lo, bp, to, hi - lo);
                    Zeros.fill(bp, to + hi - lo, d + len);
                }
                j += len;
            }
            // The last strip's columns past nc.
            int tail = nc - (strips - 1) * nr;
            if (tail < nr) {
                int d = (strips - 1) * kc * nr + p * nr;
                java.util.Arrays.fill(bp, d + tail, d + nr, 0f);
            }
        }
    }


    /**
     * The adjoint of {@link #im2col}: adds each column entry back to the input pixel it was read from, for channels
     * {@code [cStart, cEnd)} of the group (rows of different channels touch different pixels, so channel ranges
     * can run in parallel).
     */
    static void col2im(ConvGeometry g, float[] col, float[] img, int imgOff, int c0, int cStart, int cEnd) {
        int outH = g.outH();
        int outW = g.outW();
        int plane = g.inH() * g.inW();
        for (int c = cStart; c < cEnd; c++) {
            int dstPlane = imgOff + (c0 + c) * plane;
            for (int ky = 0; ky < g.kernelH(); ky++) {
                for (int kx = 0; kx < g.kernelW(); kx++) {
                    int row = (c * g.kernelH() + ky) * g.kernelW() + kx;
                    int src = row * outH * outW;
                    int dy = ky * g.dilationH() - g.padH();
                    int dx = kx * g.dilationW() - g.padW();
                    for (int oy = 0; oy < outH; oy++) {
                        int iy = oy * g.strideH() + dy;
                        if (iy < 0 || iy >= g.inH()) {
                            continue;
                        }
                        int s = src + oy * outW;
                        int rowBase = dstPlane + iy * g.inW();
                        for (int ox = 0; ox < outW; ox++) {
                            int ix = ox * g.strideW() + dx;
                            if (ix >= 0 && ix < g.inW()) {
                                img[rowBase + ix] += col[s + ox];
                            }
                        }
                    }
                }
            }
        }
    }
}

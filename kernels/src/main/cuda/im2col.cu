// im2col and col2im for one image and one group, as Caffe's (and the CPU oracle's Im2col): rows of the column
// matrix are (channel, ky, kx), columns are output pixels, taps in the padding read zero. The IM2COL_GEMM
// convolution is this plus a cuBLAS GEMM; CUDNN is the other ConvImpl.
// img points at the group's first channel of the image; channels = C / group. Self-contained; see elementwise.cu.

// One thread per (channel, output pixel): it writes that pixel's kernelH * kernelW taps.
extern "C" __global__ void im2col_kernel1(const float* __restrict__ img, float* __restrict__ col, int channels,
                                         int inH, int inW, int kernelH, int kernelW, int padH, int padW, int strideH,
                                         int strideW, int dilationH, int dilationW, int outH, int outW) {
    int n = channels * outH * outW;
    int cols = outH * outW;
    for (int index = blockIdx.x * blockDim.x + threadIdx.x; index < n; index += gridDim.x * blockDim.x) {
        int ox = index % outW;
        int oy = (index / outW) % outH;
        int c = index / cols;
        int y0 = oy * strideH - padH;
        int x0 = ox * strideW - padW;
        const float* src = img + (long long) c * inH * inW;
        float* dst = col + (long long) c * kernelH * kernelW * cols + oy * outW + ox;
        for (int ky = 0; ky < kernelH; ky++) {
            int y = y0 + ky * dilationH;
            for (int kx = 0; kx < kernelW; kx++) {
                int x = x0 + kx * dilationW;
                *dst = (y >= 0 && y < inH && x >= 0 && x < inW) ? src[y * inW + x] : 0.0f;
                dst += cols;
            }
        }
    }
}

// The adjoint: one thread per input pixel sums every column entry that was read from it, so dinp (the group's
// channels of one image) is overwritten without atomics.
extern "C" __global__ void col2im_kernel1(const float* __restrict__ col, float* __restrict__ img, int channels,
                                         int inH, int inW, int kernelH, int kernelW, int padH, int padW, int strideH,
                                         int strideW, int dilationH, int dilationW, int outH, int outW) {
    int n = channels * inH * inW;
    int extentH = (kernelH - 1) * dilationH + 1;
    int extentW = (kernelW - 1) * dilationW + 1;
    for (int index = blockIdx.x * blockDim.x + threadIdx.x; index < n; index += gridDim.x * blockDim.x) {
        int x = index % inW + padW;
        int y = (index / inW) % inH + padH;
        int c = index / (inW * inH);
        // Output pixels whose (dilated) window reaches this padded coordinate.
        int oxStart = (x < extentW) ? 0 : (x - extentW) / strideW + 1;
        int oxEnd = min(x / strideW + 1, outW);
        int oyStart = (y < extentH) ? 0 : (y - extentH) / strideH + 1;
        int oyEnd = min(y / strideH + 1, outH);
        float val = 0.0f;
        for (int oy = oyStart; oy < oyEnd; oy++) {
            int ky = y - oy * strideH;
            if (ky % dilationH != 0) {
                continue;
            }
            ky /= dilationH;
            for (int ox = oxStart; ox < oxEnd; ox++) {
                int kx = x - ox * strideW;
                if (kx % dilationW != 0) {
                    continue;
                }
                kx /= dilationW;
                long long row = ((long long) c * kernelH + ky) * kernelW + kx;
                val += col[(row * outH + oy) * outW + ox];
            }
        }
        img[index] = val;
    }
}

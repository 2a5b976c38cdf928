// The input transform on the device (Caffe's DataTransformer after the resize): crop, mirror, mean subtraction and
// scale of a batch of resized 8-bit BGR images, so that only the raw pixels cross the bus (a quarter of the floats'
// bytes). The host reference is org.cortado.image.PixelBatch#transformInto; the _rn intrinsics (see solver.cu) keep
// nvcc from fusing the subtraction and the product, so the output equals the host's bit for bit.
// Self-contained; see elementwise.cu.

#define TRANSFORM_LAYOUT_INTS 6

// pixels: the images' HWC BGR bytes one after another; layout: per image (byte offset, height, width, crop top, crop
// left, mirrored). meanMode: 0 no mean, 1 one value for all channels, 3 a value per channel, 4 a (3, H, W) mean image
// at every image's size. dst (count, 3, cropH, cropW): dst[i, c, y, xo] = (pixel(top + y, left + x, c) - mean at that
// source position) * scale, x = mirrored ? cropW - 1 - xo : xo.
extern "C" __global__ void transform_pixels_kernel1(const unsigned char* __restrict__ pixels,
                                                   const int* __restrict__ layout, const float* __restrict__ mean,
                                                   int meanMode, float scale, float* __restrict__ dst, int count,
                                                   int cropH, int cropW) {
    int n = count * 3 * cropH * cropW;
    for (int index = blockIdx.x * blockDim.x + threadIdx.x; index < n; index += gridDim.x * blockDim.x) {
        int xo = index % cropW;
        int y = (index / cropW) % cropH;
        int c = (index / (cropW * cropH)) % 3;
        int img = index / (cropW * cropH * 3);
        const int* l = layout + TRANSFORM_LAYOUT_INTS * img;
        int h = l[1];
        int w = l[2];
        int sy = l[3] + y;
        int sx = l[4] + (l[5] ? cropW - 1 - xo : xo);
        float pixel = (float) pixels[l[0] + (sy * w + sx) * 3 + c];
        float m = 0.0f;
        if (meanMode == 1) {
            m = mean[0];
        } else if (meanMode == 3) {
            m = mean[c];
        } else if (meanMode == 4) {
            m = mean[(c * h + sy) * w + sx];
        }
        dst[index] = __fmul_rn(__fsub_rn(pixel, m), scale);
    }
}

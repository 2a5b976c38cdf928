// The input transform on the device (Caffe's DataTransformer): crop, mirror, mean subtraction and scale of a batch
// of decoded images, so that only the raw pixels cross the bus. Self-contained; see elementwise.cu.

// src (N, C, srcH, srcW) -> dst (N, C, cropH, cropW):
//   dst[n, c, y, x] = (src[n, c, y + oy_n, x'] - mean) * scale, x' = mirror_n ? ox_n + cropW - 1 - x : ox_n + x
// params holds three ints per image: oy, ox, mirror. mean is a per-channel vector (meanImage == 0) or a
// (C, srcH, srcW) image indexed at the source pixel (meanImage != 0); it may be null.
extern "C" __global__ void transform_kernel1(const float* __restrict__ src, float* __restrict__ dst,
                                            const int* __restrict__ params, const float* __restrict__ mean,
                                            int meanImage, float scale, int num, int channels, int srcH, int srcW,
                                            int cropH, int cropW) {
    int n = num * channels * cropH * cropW;
    for (int index = blockIdx.x * blockDim.x + threadIdx.x; index < n; index += gridDim.x * blockDim.x) {
        int x = index % cropW;
        int y = (index / cropW) % cropH;
        int c = (index / (cropW * cropH)) % channels;
        int img = index / (cropW * cropH * channels);
        int oy = params[3 * img];
        int ox = params[3 * img + 1];
        int sx = params[3 * img + 2] ? ox + cropW - 1 - x : ox + x;
        int sy = oy + y;
        long long plane = (long long) c * srcH * srcW;
        float v = src[(long long) img * channels * srcH * srcW + plane + sy * srcW + sx];
        if (mean != nullptr) {
            v -= meanImage ? mean[plane + sy * srcW + sx] : mean[c];
        }
        dst[index] = v * scale;
    }
}

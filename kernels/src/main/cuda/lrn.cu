// Local response normalisation, both of Caffe's regions, forward and backward, as the CPU oracle (CpuLrn):
// ACROSS_CHANNELS scale = k + alpha/size * sum(x^2 over size channels centred on c);
// WITHIN_CHANNEL scale = 1 + alpha/size^2 * sum(x^2 over a size x size window, zero-padded); y = x * scale^-beta.
// Backward: dx_q = dout_q * s_q^-beta - (2 alpha beta / n) x_q * sum over windows p containing q of dout_p y_p / s_p,
// with n the window's element count (size or size^2); windows are symmetric, so p ranges over q's own window,
// mirrored for an even split (prePad = (size-1)/2 before, size-prePad-1 after).
// Self-contained; see elementwise.cu for the conventions.

// One thread per (n, pixel); it walks the channels. scale keeps the per-element scale for backward.
extern "C" __global__ void lrn_across_forward_kernel1(const float* __restrict__ in, float* __restrict__ out,
                                                     float* __restrict__ scale, int num, int channels, int hw,
                                                     int size, float alphaOverSize, float beta, float k) {
    int n = num * hw;
    int prePad = (size - 1) / 2;
    for (int t = blockIdx.x * blockDim.x + threadIdx.x; t < n; t += gridDim.x * blockDim.x) {
        long long base = (long long) (t / hw) * channels * hw + t % hw;
        for (int c = 0; c < channels; c++) {
            int lo = max(0, c - prePad);
            int hi = min(channels - 1, c + size - prePad - 1);
            float sum = 0.0f;
            for (int q = lo; q <= hi; q++) {
                float v = in[base + (long long) q * hw];
                sum += v * v;
            }
            long long i = base + (long long) c * hw;
            float s = k + alphaOverSize * sum;
            scale[i] = s;
            out[i] = in[i] * powf(s, -beta);
        }
    }
}

// factor = 2 * alpha * beta / size
extern "C" __global__ void lrn_across_backward_kernel1(const float* __restrict__ in, const float* __restrict__ out,
                                                      const float* __restrict__ scale, const float* __restrict__ dout,
                                                      float* __restrict__ dinp, int num, int channels, int hw,
                                                      int size, float beta, float factor) {
    int n = num * hw;
    int prePad = (size - 1) / 2;
    for (int t = blockIdx.x * blockDim.x + threadIdx.x; t < n; t += gridDim.x * blockDim.x) {
        long long base = (long long) (t / hw) * channels * hw + t % hw;
        for (int c = 0; c < channels; c++) {
            int lo = max(0, c - (size - prePad - 1));
            int hi = min(channels - 1, c + prePad);
            float acc = 0.0f;
            for (int q = lo; q <= hi; q++) {
                long long j = base + (long long) q * hw;
                acc += dout[j] * out[j] / scale[j];
            }
            long long i = base + (long long) c * hw;
            dinp[i] = dout[i] * powf(scale[i], -beta) - factor * in[i] * acc;
        }
    }
}

// One thread per element; alphaOverArea = alpha / size^2.
extern "C" __global__ void lrn_within_forward_kernel1(const float* __restrict__ in, float* __restrict__ out,
                                                     float* __restrict__ scale, int planes, int height, int width,
                                                     int size, float alphaOverArea, float beta) {
    int n = planes * height * width;
    int pad = (size - 1) / 2;
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        int x = i % width;
        int y = (i / width) % height;
        const float* p = in + (long long) (i / (width * height)) * height * width;
        float sum = 0.0f;
        for (int yy = max(0, y - pad); yy <= min(height - 1, y + pad); yy++) {
            for (int xx = max(0, x - pad); xx <= min(width - 1, x + pad); xx++) {
                float v = p[yy * width + xx];
                sum += v * v;
            }
        }
        float s = 1.0f + alphaOverArea * sum;
        scale[i] = s;
        out[i] = in[i] * powf(s, -beta);
    }
}

// factor = 2 * alpha * beta / size^2
extern "C" __global__ void lrn_within_backward_kernel1(const float* __restrict__ in, const float* __restrict__ out,
                                                      const float* __restrict__ scale, const float* __restrict__ dout,
                                                      float* __restrict__ dinp, int planes, int height, int width,
                                                      int size, float beta, float factor) {
    int n = planes * height * width;
    int pad = (size - 1) / 2;
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        int x = i % width;
        int y = (i / width) % height;
        long long base = (long long) (i / (width * height)) * height * width;
        float acc = 0.0f;
        for (int yy = max(0, y - pad); yy <= min(height - 1, y + pad); yy++) {
            for (int xx = max(0, x - pad); xx <= min(width - 1, x + pad); xx++) {
                long long j = base + yy * width + xx;
                acc += dout[j] * out[j] / scale[j];
            }
        }
        dinp[i] = dout[i] * powf(scale[i], -beta) - factor * in[i] * acc;
    }
}

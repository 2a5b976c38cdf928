// Losses and accuracy on the device (SoftmaxWithLoss, HingeLoss, Accuracy; and LayerOps' SigmoidCrossEntropyLoss,
// MultinomialLogisticLoss, InfogainLoss, ContrastiveLoss and Embed's index check), so that only their sums cross to the
// host. The CPU's reference loops are org.cortado.backend.LossKernels and org.cortado.backend.cpu.CpuLosses. Scores
// are (outer, channels, inner) with the classes along the middle axis and one label per (outer, inner) position. A
// label is the ignored one (when hasIgnore), or else must be an integer class index; the forward kernels report the
// lowest position of one that is not, and the host names it in the error. The per-element gradients use the _rn
// intrinsics (see solver.cu) so that they equal the CPU's bits; the sums are in double in another order than the
// CPU's, so they agree to rounding.
// Self-contained; see elementwise.cu.

#define LOSS_NO_BAD 0x7fffffff
#define LOSS_FLT_MIN 1.17549435e-38f

__device__ __forceinline__ bool is_class_index(float v, int classes) {
    return v == rintf(v) && v >= 0.0f && v < (float) classes;
}

// -1 for the ignored label, the class index for a valid one, -2 for an invalid one
__device__ __forceinline__ int label_at(const float* labels, int position, int classes, int hasIgnore, float ignore) {
    float v = labels[position];
    if (hasIgnore && v == ignore) {
        return -1;
    }
    return is_class_index(v, classes) ? (int) v : -2;
}

// Adds the block's (sum, labelled, first bad position) shares and writes them to partial[3 * blockIdx.x ...]; the
// host adds the blocks' partials in block order. Written for 256 threads per block.
__device__ __forceinline__ void write_partials(double sum, double labelled, int bad, double* partial) {
    __shared__ double sums[256];
    __shared__ double counts[256];
    __shared__ int bads[256];
    sums[threadIdx.x] = sum;
    counts[threadIdx.x] = labelled;
    bads[threadIdx.x] = bad;
    __syncthreads();
    for (int half = blockDim.x / 2; half > 0; half /= 2) {
        if (threadIdx.x < half) {
            sums[threadIdx.x] += sums[threadIdx.x + half];
            counts[threadIdx.x] += counts[threadIdx.x + half];
            bads[threadIdx.x] = min(bads[threadIdx.x], bads[threadIdx.x + half]);
        }
        __syncthreads();
    }
    if (threadIdx.x == 0) {
        partial[3 * blockIdx.x] = sums[0];
        partial[3 * blockIdx.x + 1] = counts[0];
        partial[3 * blockIdx.x + 2] = (double) bads[0];
    }
}

// Per labelled position: -log(max(prob[o, label, i], FLT_MIN)) in double (a NaN probability stays NaN, so that a
// diverged run shows as a NaN loss, as on the CPU).
extern "C" __global__ void softmax_loss_forward_kernel1(const float* __restrict__ prob,
                                                       const float* __restrict__ labels, double* __restrict__ partial,
                                                       int outer, int channels, int inner, int hasIgnore,
                                                       float ignore) {
    int n = outer * inner;
    double sum = 0.0;
    double labelled = 0.0;
    int bad = LOSS_NO_BAD;
    for (int t = blockIdx.x * blockDim.x + threadIdx.x; t < n; t += gridDim.x * blockDim.x) {
        int label = label_at(labels, t, channels, hasIgnore, ignore);
        if (label == -2) {
            bad = min(bad, t);
        } else if (label >= 0) {
            int o = t / inner;
            int i = t - o * inner;
            float p = prob[((long long) o * channels + label) * inner + i];
            sum -= log((double) (p < LOSS_FLT_MIN ? LOSS_FLT_MIN : p));
            labelled += 1.0;
        }
    }
    write_partials(sum, labelled, bad, partial);
}

// dinp[o, c, i] = (prob - (c == label)) * scale at labelled positions, 0 at ignored ones (and at invalid ones, which
// the forward pass has already reported).
extern "C" __global__ void softmax_loss_backward_kernel1(const float* __restrict__ prob,
                                                        const float* __restrict__ labels, float* __restrict__ dinp,
                                                        int outer, int channels, int inner, int hasIgnore,
                                                        float ignore, float scale) {
    int n = outer * channels * inner;
    for (int idx = blockIdx.x * blockDim.x + threadIdx.x; idx < n; idx += gridDim.x * blockDim.x) {
        int i = idx % inner;
        int c = (idx / inner) % channels;
        int o = idx / (inner * channels);
        int label = label_at(labels, o * inner + i, channels, hasIgnore, ignore);
        dinp[idx] = label < 0 ? 0.0f : __fmul_rn(__fsub_rn(prob[idx], c == label ? 1.0f : 0.0f), scale);
    }
}

// max(0, 1 - t * score) with t = +1 at the label's class and -1 elsewhere; NaN stays NaN, as Java's Math.max
__device__ __forceinline__ float hinge_margin(float score, bool isLabel) {
    float x = __fsub_rn(1.0f, isLabel ? score : -score);
    return x < 0.0f ? 0.0f : x;
}

// Sum of the margins (or of their squares) over scores (num, dim) in double; "labelled" counts the elements.
extern "C" __global__ void hinge_loss_forward_kernel1(const float* __restrict__ scores,
                                                     const float* __restrict__ labels, double* __restrict__ partial,
                                                     int num, int dim, int squared) {
    int n = num * dim;
    double sum = 0.0;
    double counted = 0.0;
    int bad = LOSS_NO_BAD;
    for (int idx = blockIdx.x * blockDim.x + threadIdx.x; idx < n; idx += gridDim.x * blockDim.x) {
        int row = idx / dim;
        int label = label_at(labels, row, dim, 0, 0.0f);
        if (label < 0) {
            bad = min(bad, row);
            continue;
        }
        float m = hinge_margin(scores[idx], idx - row * dim == label);
        sum += squared ? (double) m * m : (double) m;
        counted += 1.0;
    }
    write_partials(sum, counted, bad, partial);
}

// dinp = -t * (squared ? 2m : (m > 0 ? 1 : 0)) * scale
extern "C" __global__ void hinge_loss_backward_kernel1(const float* __restrict__ scores,
                                                      const float* __restrict__ labels, float* __restrict__ dinp,
                                                      int num, int dim, int squared, float scale) {
    int n = num * dim;
    for (int idx = blockIdx.x * blockDim.x + threadIdx.x; idx < n; idx += gridDim.x * blockDim.x) {
        int row = idx / dim;
        bool isLabel = idx - row * dim == label_at(labels, row, dim, 0, 0.0f);
        float m = hinge_margin(scores[idx], isLabel);
        float g = squared ? __fmul_rn(2.0f, m) : (m > 0.0f ? 1.0f : 0.0f);
        dinp[idx] = __fmul_rn(isLabel ? -g : g, scale);
    }
}

// Top-k accuracy: a labelled position is correct when fewer than topK classes score at least the label's score (its
// own score not counted: ties go against the label, as in Caffe).
extern "C" __global__ void accuracy_kernel1(const float* __restrict__ scores, const float* __restrict__ labels,
                                           double* __restrict__ partial, int outer, int channels, int inner, int topK,
                                           int hasIgnore, float ignore) {
    int n = outer * inner;
    double correct = 0.0;
    double labelled = 0.0;
    int bad = LOSS_NO_BAD;
    for (int t = blockIdx.x * blockDim.x + threadIdx.x; t < n; t += gridDim.x * blockDim.x) {
        int label = label_at(labels, t, channels, hasIgnore, ignore);
        if (label == -2) {
            bad = min(bad, t);
            continue;
        }
        if (label < 0) {
            continue;
        }
        int o = t / inner;
        int i = t - o * inner;
        const float* row = scores + (long long) o * channels * inner + i;
        float truth = row[(long long) label * inner];
        int better = -1;
        for (int c = 0; c < channels && better < topK; c++) {
            if (row[(long long) c * inner] >= truth) {
                better++;
            }
        }
        correct += better < topK ? 1.0 : 0.0;
        labelled += 1.0;
    }
    write_partials(correct, labelled, bad, partial);
}

// Embed's index check: "labelled" counts the n indices, the first one that is not an integer in [0, classes) is bad
extern "C" __global__ void check_indices_kernel1(const float* __restrict__ indices, double* __restrict__ partial,
                                                 int n, int classes) {
    double counted = 0.0;
    int bad = LOSS_NO_BAD;
    for (int t = blockIdx.x * blockDim.x + threadIdx.x; t < n; t += gridDim.x * blockDim.x) {
        if (is_class_index(indices[t], classes)) {
            counted += 1.0;
        } else {
            bad = min(bad, t);
        }
    }
    write_partials(0.0, counted, bad, partial);
}

#define LOSS_LOG_THRESHOLD 1e-20f

// Caffe compares (int) target with the int ignore_label, so 2.7 counts as 2
__device__ __forceinline__ bool ignored_target(float t, int hasIgnore, int ignore) {
    return hasIgnore && (int) t == ignore;
}

// Sigmoid cross-entropy in Caffe's overflow-free form, -(x (t - [x >= 0]) - log(1 + exp(x - 2 x [x >= 0]))), per
// element whose target is not ignored; "labelled" counts those
extern "C" __global__ void sigmoid_ce_forward_kernel1(const float* __restrict__ x, const float* __restrict__ t,
                                                      double* __restrict__ partial, int n, int hasIgnore, int ignore) {
    double sum = 0.0;
    double counted = 0.0;
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        float target = t[i];
        if (ignored_target(target, hasIgnore, ignore)) {
            continue;
        }
        float v = x[i];
        float positive = v >= 0.0f ? 1.0f : 0.0f;
        float term = v * (target - positive) - logf(1.0f + expf(v - 2.0f * v * positive));
        sum -= (double) term;
        counted += 1.0;
    }
    write_partials(sum, counted, LOSS_NO_BAD, partial);
}

// dinp = (sigmoid - t) * scale, 0 where the target is ignored
extern "C" __global__ void sigmoid_ce_backward_kernel1(const float* __restrict__ sigmoid, const float* __restrict__ t,
                                                       float* __restrict__ dinp, int n, int hasIgnore, int ignore,
                                                       float scale) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        float target = t[i];
        dinp[i] = ignored_target(target, hasIgnore, ignore) ? 0.0f
                : __fmul_rn(__fsub_rn(sigmoid[i], target), scale);
    }
}

// Multinomial logistic loss of probabilities (num, dim): -log(max(prob[n, label], 1e-20)) per sample, in double
extern "C" __global__ void mlogistic_forward_kernel1(const float* __restrict__ prob, const float* __restrict__ labels,
                                                     double* __restrict__ partial, int num, int dim) {
    double sum = 0.0;
    double counted = 0.0;
    int bad = LOSS_NO_BAD;
    for (int r = blockIdx.x * blockDim.x + threadIdx.x; r < num; r += gridDim.x * blockDim.x) {
        int label = label_at(labels, r, dim, 0, 0.0f);
        if (label < 0) {
            bad = min(bad, r);
            continue;
        }
        float p = prob[(long long) r * dim + label];
        sum -= log((double) (p < LOSS_LOG_THRESHOLD ? LOSS_LOG_THRESHOLD : p));
        counted += 1.0;
    }
    write_partials(sum, counted, bad, partial);
}

// dinp = 0 except dinp[n, label] = scale / max(prob[n, label], 1e-20)
extern "C" __global__ void mlogistic_backward_kernel1(const float* __restrict__ prob, const float* __restrict__ labels,
                                                      float* __restrict__ dinp, int num, int dim, float scale) {
    int n = num * dim;
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        int r = i / dim;
        float p = prob[i];
        dinp[i] = i - r * dim == (int) labels[r] ? __fdiv_rn(scale, p < LOSS_LOG_THRESHOLD ? LOSS_LOG_THRESHOLD : p)
                : 0.0f;
    }
}

// Infogain loss of softmax probabilities (outer, channels, inner) with the channels x channels matrix h, per labelled
// position: -sum over l of h[label, l] log(max(prob[l], 1e-20)), in double
extern "C" __global__ void infogain_forward_kernel1(const float* __restrict__ prob, const float* __restrict__ labels,
                                                    const float* __restrict__ h, double* __restrict__ partial,
                                                    int outer, int channels, int inner, int hasIgnore, int ignore) {
    int n = outer * inner;
    double sum = 0.0;
    double counted = 0.0;
    int bad = LOSS_NO_BAD;
    for (int t = blockIdx.x * blockDim.x + threadIdx.x; t < n; t += gridDim.x * blockDim.x) {
        if (ignored_target(labels[t], hasIgnore, ignore)) {
            continue;
        }
        int label = label_at(labels, t, channels, 0, 0.0f);
        if (label < 0) {
            bad = min(bad, t);
            continue;
        }
        int o = t / inner;
        int i = t - o * inner;
        for (int l = 0; l < channels; l++) {
            float p = prob[((long long) o * channels + l) * inner + i];
            sum -= (double) h[(long long) label * channels + l] * log((double) (p < LOSS_LOG_THRESHOLD
                    ? LOSS_LOG_THRESHOLD : p));
        }
        counted += 1.0;
    }
    write_partials(sum, counted, bad, partial);
}

// dinp[o, l, i] = (prob * rowSum(h[label]) - h[label, l]) * scale, 0 at ignored positions; the row sum in float in
// column order, as Caffe and the CPU
extern "C" __global__ void infogain_backward_kernel1(const float* __restrict__ prob, const float* __restrict__ labels,
                                                     const float* __restrict__ h, float* __restrict__ dinp, int outer,
                                                     int channels, int inner, int hasIgnore, int ignore, float scale) {
    int n = outer * channels * inner;
    for (int idx = blockIdx.x * blockDim.x + threadIdx.x; idx < n; idx += gridDim.x * blockDim.x) {
        int i = idx % inner;
        int l = (idx / inner) % channels;
        int o = idx / (inner * channels);
        float lv = labels[o * inner + i];
        if (ignored_target(lv, hasIgnore, ignore)) {
            dinp[idx] = 0.0f;
            continue;
        }
        const float* row = h + (long long) (int) lv * channels;
        float rowSum = 0.0f;
        for (int c = 0; c < channels; c++) {
            rowSum = __fadd_rn(rowSum, row[c]);
        }
        dinp[idx] = __fmul_rn(__fsub_rn(__fmul_rn(prob[idx], rowSum), row[l]), scale);
    }
}

// Contrastive loss, one thread per pair: distSq[n] = |a_n - b_n|^2 (summed in double, kept as a float), and the
// pair's loss, distSq (similar: (int) y != 0) or max(margin - sqrt(distSq), 0)^2 (legacy: max(margin - distSq, 0))
extern "C" __global__ void contrastive_forward_kernel1(const float* __restrict__ a, const float* __restrict__ b,
                                                       const float* __restrict__ y, float* __restrict__ distSq,
                                                       double* __restrict__ partial, int num, int channels,
                                                       float margin, int legacy) {
    double sum = 0.0;
    for (int r = blockIdx.x * blockDim.x + threadIdx.x; r < num; r += gridDim.x * blockDim.x) {
        double d2 = 0.0;
        for (long long c = (long long) r * channels; c < (long long) (r + 1) * channels; c++) {
            float d = a[c] - b[c];
            d2 += (double) __fmul_rn(d, d);
        }
        float dist2 = (float) d2;
        distSq[r] = dist2;
        if ((int) y[r] != 0) {
            sum += dist2;
        } else if (legacy) {
            sum += fmaxf(margin - dist2, 0.0f);
        } else {
            float m = fmaxf(margin - sqrtf(dist2), 0.0f);
            sum += (double) __fmul_rn(m, m);
        }
    }
    write_partials(sum, 0.0, LOSS_NO_BAD, partial);
}

// The gradient of one feature bottom, alpha = +-lossWeight / num: alpha (a - b) for similar pairs; for dissimilar
// ones where the margin is not met, -alpha (a - b) (legacy) or -alpha (margin - d) / (d + 1e-4) (a - b); else 0
extern "C" __global__ void contrastive_backward_kernel1(const float* __restrict__ a, const float* __restrict__ b,
                                                        const float* __restrict__ y, const float* __restrict__ distSq,
                                                        float* __restrict__ dinp, int num, int channels, float margin,
                                                        int legacy, float alpha) {
    int n = num * channels;
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        int r = i / channels;
        float beta;
        if ((int) y[r] != 0) {
            beta = alpha;
        } else {
            float mdist;
            if (legacy) {
                mdist = margin - distSq[r];
                beta = -alpha;
            } else {
                float dist = sqrtf(distSq[r]);
                mdist = margin - dist;
                beta = __fdiv_rn(__fmul_rn(-alpha, mdist), dist + 1e-4f);
            }
            if (!(mdist > 0.0f)) {
                beta = 0.0f;
            }
        }
        dinp[i] = beta == 0.0f ? 0.0f : __fmul_rn(beta, a[i] - b[i]);
    }
}

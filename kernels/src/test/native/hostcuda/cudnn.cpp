// libcudnn.so.9 (or .8) on the CPU: what CudnnConvolution calls through JCudnn (cuDNN 8 API, which cuDNN 9 keeps):
// handle and stream, 4d tensor and filter descriptors, 2d convolution descriptors (pad, stride, dilation, CONVOLUTION
// vs CROSS_CORRELATION, group count, math type), cudnnFind*Algorithm and the three convolutions as reference loops with
// y = alpha * op + beta * y (y not read when beta is 0). Descriptors are validated as cuDNN does (BAD_PARAM for output
// dims other than cudnnGetConvolution2dForwardOutputDim's, input channels other than groups x filter channels, ...).
// Find reports two working algorithms per direction, the faster one (algo 1) needing a non-zero workspace: im2col
// columns that the convolution really writes there, after checking that the workspace is device memory and large enough
// (BAD_PARAM otherwise); for 1x1 filters the direct one (algo 0, no workspace) comes first. The other algorithms come
// back NOT_SUPPORTED, as on a GPU where they do not apply. Math: float data accumulate in double; with a math type
// other than CUDNN_FMA_MATH on compute capability >= 8.0 the float inputs are rounded to TF32 first (what cuDNN's
// tensor cores do). CUDNN_DATA_BFLOAT16 tensors (with a FLOAT convolution) are computed faithfully: inputs read as
// bfloat16, float accumulation, output rounded to bfloat16 nearest even; CUDNN_DATA_HALF the same way in IEEE half. Work is queued on the handle's stream; Find
// synchronises it (and so fails during stream capture). cudnnCreate dlopens its sub-libraries libcudnn_ops.so.9 and
// libcudnn_cnn.so.9 (cuDNN 8: libcudnn_ops_infer.so.8 and libcudnn_cnn_infer.so.8) by name, as cuDNN does, which only
// works when NativeStack preloaded them from this folder. Functions not here are the bridge stub's (NOT_SUPPORTED), or,
// where this library is loaded under the natives' own soname (cuDNN 8, no bridge), weak stubs HostCuda.java generates
// that say so and return NOT_SUPPORTED.
#include <dlfcn.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "hostcuda.h"

// The sub-libraries cudnnCreate loads: cuDNN 9's by default, cuDNN 8's (libcudnn_ops_infer.so.8, ...) for that layout.
#ifndef HC_CUDNN_OPS
#define HC_CUDNN_OPS "libcudnn_ops.so.9"
#define HC_CUDNN_CNN "libcudnn_cnn.so.9"
#endif

namespace {

enum Status {
    SUCCESS = 0,
    NOT_INITIALIZED = 1,
    ALLOC_FAILED = 2,
    BAD_PARAM = 3,
    INTERNAL_ERROR = 4,
    INVALID_VALUE = 5,
    ARCH_MISMATCH = 6,
    MAPPING_ERROR = 7,
    EXECUTION_FAILED = 8,
    NOT_SUPPORTED = 9,
};
enum DataType { FLOAT = 0, DOUBLE = 1, HALF = 2, INT8 = 3, INT32 = 4, BFLOAT16 = 9 };
enum Format { NCHW = 0, NHWC = 1 };
enum Mode { CONVOLUTION = 0, CROSS_CORRELATION = 1 };
enum MathType { DEFAULT_MATH = 0, TENSOR_OP_MATH = 1, TENSOR_OP_MATH_ALLOW_CONVERSION = 2, FMA_MATH = 3 };
enum Determinism { NON_DETERMINISTIC = 0, DETERMINISTIC = 1 };
enum Direction { FORWARD = 0, BACKWARD_DATA = 1, BACKWARD_FILTER = 2 };
const char* const DIRECTION_NAMES[] = {"forward", "backward data", "backward filter"};
// How many algorithms each direction enumerates in cuDNN 8/9 (CUDNN_CONVOLUTION_*_ALGO_COUNT).
constexpr int ALGO_COUNT[] = {8, 6, 7};
// The algorithms implemented: 1 computes from im2col columns in the workspace, 0 directly.
constexpr int WORKSPACE_ALGO = 1;
constexpr int DIRECT_ALGO = 0;
constexpr float WORKSPACE_ALGO_MS = 0.5f;
constexpr float DIRECT_ALGO_MS = 1.0f;
constexpr float POINTWISE_DIRECT_MS = 0.25f;

constexpr uint32_t HANDLE_MAGIC = 0xcd0001;
constexpr uint32_t TENSOR_MAGIC = 0xcd0002;
constexpr uint32_t FILTER_MAGIC = 0xcd0003;
constexpr uint32_t CONV_MAGIC = 0xcd0004;

struct Handle {
    uint32_t magic = HANDLE_MAGIC;
    void* stream = nullptr;
};
struct Tensor {
    uint32_t magic = TENSOR_MAGIC;
    bool set = false;
    int dtype = FLOAT;
    int n = 0, c = 0, h = 0, w = 0;
    int64_t ns = 0, cs = 0, hs = 0, ws = 0;
};
struct Filter {
    uint32_t magic = FILTER_MAGIC;
    bool set = false;
    int dtype = FLOAT;
    int format = NCHW;
    int k = 0, c = 0, h = 0, w = 0;
};
struct Conv {
    uint32_t magic = CONV_MAGIC;
    bool set = false;
    int padH = 0, padW = 0, strideH = 1, strideW = 1, dilationH = 1, dilationW = 1;
    int mode = CROSS_CORRELATION;
    int computeType = FLOAT;
    int groups = 1;
    int math = DEFAULT_MATH;
};

// cudnnConvolution{Fwd,BwdData,BwdFilter}AlgoPerf_t of cuDNN 8 and 9 (the three share this layout).
struct Perf {
    int algo;
    int status;
    float time;
    size_t memory;
    int determinism;
    int mathType;
    int reserved[3];
};
static_assert(sizeof(Perf) == 48, "cuDNN's perf struct is 48 bytes");

void report(const std::string& call, const std::string& message) {
    hostcuda_report(call.c_str(), &message);
}

// One convolution, validated: sizes, layout and math.
struct Geo {
    int N, C, H, W, K, R, S, P, Q;
    int padH, padW, strH, strW, dilH, dilW, G, Cg, Kg;
    bool flip;
    int dtype;
    bool tf32;
    Tensor x, y;
    int64_t xBytes, yBytes, wBytes;

    size_t elem() const {
        return dtype == BFLOAT16 || dtype == HALF ? 2 : 4;
    }
    float ld(const void* base, int64_t i) const {
        float v = ldRaw(base, i);
        return tf32 ? hc::toTf32(v) : v;
    }
    float ldRaw(const void* base, int64_t i) const {
        return dtype == BFLOAT16 ? hc::bf16Load(static_cast<const uint16_t*>(base) + i)
               : dtype == HALF   ? hc::halfLoad(static_cast<const uint16_t*>(base) + i)
                                 : static_cast<const float*>(base)[i];
    }
    void st(void* base, int64_t i, float v) const {
        if (dtype == BFLOAT16) {
            hc::bf16Store(static_cast<uint16_t*>(base) + i, v);
        } else if (dtype == HALF) {
            hc::halfStore(static_cast<uint16_t*>(base) + i, v);
        } else {
            static_cast<float*>(base)[i] = v;
        }
    }
    int64_t xi(int n, int c, int h, int w) const {
        return n * x.ns + c * x.cs + h * x.hs + w * x.ws;
    }
    int64_t yi(int n, int k, int p, int q) const {
        return n * y.ns + k * y.cs + p * y.hs + q * y.ws;
    }
    // Filter element (k, c, r, s) as the convolution applies it at window offset (r, s): flipped for CONVOLUTION.
    int64_t wi(int k, int c, int r, int s) const {
        int rr = flip ? R - 1 - r : r;
        int ss = flip ? S - 1 - s : s;
        return ((static_cast<int64_t>(k) * Cg + c) * R + rr) * S + ss;
    }
    // im2col columns of one image and group: (Cg * R * S) rows of P * Q floats.
    uint64_t columnBytes() const {
        return static_cast<uint64_t>(Cg) * R * S * P * Q * sizeof(float);
    }
};

int64_t extent(const Tensor& t) {
    return (t.n - 1) * t.ns + (t.c - 1) * t.cs + (t.h - 1) * t.hs + (t.w - 1) * t.ws + 1;
}

std::string dims(const Tensor& t) {
    return std::to_string(t.n) + "x" + std::to_string(t.c) + "x" + std::to_string(t.h) + "x" + std::to_string(t.w);
}

int outDim(int in, int pad, int filter, int dilation, int stride) {
    return 1 + (in + 2 * pad - ((filter - 1) * dilation + 1)) / stride;
}

Status validate(const char* call, const Tensor* x, const Filter* w, const Conv* conv, const Tensor* y, Geo& g) {
    if (!x || x->magic != TENSOR_MAGIC || !x->set || !y || y->magic != TENSOR_MAGIC || !y->set || !w ||
        w->magic != FILTER_MAGIC || !w->set || !conv || conv->magic != CONV_MAGIC || !conv->set) {
        report(call, "CUDNN_STATUS_BAD_PARAM: a descriptor is NULL, destroyed or not set");
        return BAD_PARAM;
    }
    if (x->dtype != y->dtype || x->dtype != w->dtype) {
        report(call, "CUDNN_STATUS_BAD_PARAM: data types differ (x " + std::to_string(x->dtype) + ", w " +
                         std::to_string(w->dtype) + ", y " + std::to_string(y->dtype) + ")");
        return BAD_PARAM;
    }
    if (!((x->dtype == FLOAT || x->dtype == BFLOAT16 || x->dtype == HALF) && conv->computeType == FLOAT)) {
        report(call, "CUDNN_STATUS_NOT_SUPPORTED: data type " + std::to_string(x->dtype) + " with compute type " +
                         std::to_string(conv->computeType) + " is not modelled by hostcuda");
        return NOT_SUPPORTED;
    }
    if (w->format != NCHW) {
        report(call, "CUDNN_STATUS_NOT_SUPPORTED: filter format NHWC is not modelled by hostcuda");
        return NOT_SUPPORTED;
    }
    g.N = x->n;
    g.C = x->c;
    g.H = x->h;
    g.W = x->w;
    g.K = w->k;
    g.R = w->h;
    g.S = w->w;
    g.G = conv->groups;
    g.padH = conv->padH;
    g.padW = conv->padW;
    g.strH = conv->strideH;
    g.strW = conv->strideW;
    g.dilH = conv->dilationH;
    g.dilW = conv->dilationW;
    if (g.C != w->c * g.G || g.K % g.G != 0) {
        report(call, "CUDNN_STATUS_BAD_PARAM: input channels " + std::to_string(g.C) + " != group count " +
                         std::to_string(g.G) + " x filter channels " + std::to_string(w->c) + ", or filters " +
                         std::to_string(g.K) + " not divisible by the group count");
        return BAD_PARAM;
    }
    g.Cg = w->c;
    g.Kg = g.K / g.G;
    g.P = outDim(g.H, g.padH, g.R, g.dilH, g.strH);
    g.Q = outDim(g.W, g.padW, g.S, g.dilW, g.strW);
    if (g.P <= 0 || g.Q <= 0) {
        report(call, "CUDNN_STATUS_BAD_PARAM: the filter does not fit the padded input");
        return BAD_PARAM;
    }
    if (y->n != g.N || y->c != g.K || y->h != g.P || y->w != g.Q) {
        report(call, "CUDNN_STATUS_BAD_PARAM: output " + dims(*y) +
                         ", but cudnnGetConvolution2dForwardOutputDim gives " +
                         std::to_string(g.N) + "x" + std::to_string(g.K) + "x" + std::to_string(g.P) + "x" +
                         std::to_string(g.Q) + " for input " + dims(*x));
        return BAD_PARAM;
    }
    g.flip = conv->mode == CONVOLUTION;
    g.dtype = x->dtype;
    g.tf32 = x->dtype == FLOAT && conv->math != FMA_MATH && hostcuda_compute_capability() >= 80;
    g.x = *x;
    g.y = *y;
    g.xBytes = extent(*x) * static_cast<int64_t>(g.elem());
    g.yBytes = extent(*y) * static_cast<int64_t>(g.elem());
    g.wBytes = static_cast<int64_t>(g.K) * g.Cg * g.R * g.S * static_cast<int64_t>(g.elem());
    return SUCCESS;
}

uint64_t workspaceFor(const Geo& g, int algo) {
    return algo == WORKSPACE_ALGO ? g.columnBytes() : 0;
}

// The columns of image n, group grp: col[(c * R + r) * S + s][p * Q + q] = x at the window position, or 0 in padding.
void im2col(const Geo& g, const void* x, int n, int grp, float* col) {
    int pq = g.P * g.Q;
    for (int c = 0; c < g.Cg; c++) {
        for (int r = 0; r < g.R; r++) {
            for (int s = 0; s < g.S; s++) {
                float* row = col + (static_cast<int64_t>(c * g.R + r) * g.S + s) * pq;
                for (int p = 0; p < g.P; p++) {
                    int h = p * g.strH - g.padH + r * g.dilH;
                    for (int q = 0; q < g.Q; q++) {
                        int w = q * g.strW - g.padW + s * g.dilW;
                        bool in = h >= 0 && h < g.H && w >= 0 && w < g.W;
                        row[p * g.Q + q] = in ? g.ld(x, g.xi(n, grp * g.Cg + c, h, w)) : 0.0f;
                    }
                }
            }
        }
    }
}

// The convolutions go through im2col columns: written to the workspace for algorithm 1 (so that it is really used),
// to private memory for algorithm 0. Operands are read once into contiguous float arrays (rounded to TF32 where the
// math type says so, the filter flipped for CONVOLUTION), so that every sum runs over contiguous memory. Sums are in
// double for float data, in float for bfloat16 and half data (cuDNN's float accumulation).

// Filter of group grp as rows of Cg * R * S, in window order (flipped for CONVOLUTION).
std::vector<float> filterRows(const Geo& g, const void* w, int grp) {
    int64_t crs = static_cast<int64_t>(g.Cg) * g.R * g.S;
    std::vector<float> rows(static_cast<size_t>(g.Kg * crs));
    for (int kk = 0; kk < g.Kg; kk++) {
        for (int c = 0; c < g.Cg; c++) {
            for (int r = 0; r < g.R; r++) {
                for (int s = 0; s < g.S; s++) {
                    rows[kk * crs + (c * g.R + r) * g.S + s] = g.ld(w, g.wi(grp * g.Kg + kk, c, r, s));
                }
            }
        }
    }
    return rows;
}

// Output-side rows of image n, group grp: Kg rows of P * Q (y or dy).
std::vector<float> outputRows(const Geo& g, const void* y, int n, int grp) {
    int pq = g.P * g.Q;
    std::vector<float> rows(static_cast<size_t>(g.Kg) * pq);
    for (int kk = 0; kk < g.Kg; kk++) {
        for (int p = 0; p < g.P; p++) {
            for (int q = 0; q < g.Q; q++) {
                rows[static_cast<size_t>(kk) * pq + p * g.Q + q] = g.ld(y, g.yi(n, grp * g.Kg + kk, p, q));
            }
        }
    }
    return rows;
}

std::vector<float> transpose(const float* m, int64_t rows, int64_t cols) {
    std::vector<float> t(static_cast<size_t>(rows * cols));
    for (int64_t i = 0; i < rows; i++) {
        for (int64_t j = 0; j < cols; j++) {
            t[j * rows + i] = m[i * cols + j];
        }
    }
    return t;
}

// The im2col columns of one image and group: the workspace for algorithm 1, private memory for algorithm 0.
struct Columns {
    int64_t pq;
    int64_t crs;
    std::vector<float> own;
    float* data;

    Columns(const Geo& g, int algo, float* workspace)
        : pq(static_cast<int64_t>(g.P) * g.Q), crs(static_cast<int64_t>(g.Cg) * g.R * g.S),
          own(algo == WORKSPACE_ALGO ? 0 : static_cast<size_t>(crs * pq)),
          data(algo == WORKSPACE_ALGO ? workspace : own.data()) {}
};

// out[i] = alpha * sum + beta * out[i]; out not read when beta is 0 (it may hold anything).
template <typename Acc>
void blend(const Geo& g, void* out, int64_t i, float alpha, Acc sum, float beta) {
    Acc old = beta == 0.0f ? 0 : static_cast<Acc>(g.ldRaw(out, i));
    g.st(out, i, static_cast<float>(alpha * sum + beta * old));
}

template <typename Acc>
Acc dot(const float* a, const float* b, int64_t n) {
    Acc sum = 0;
    for (int64_t i = 0; i < n; i++) {
        sum += static_cast<Acc>(a[i]) * b[i];
    }
    return sum;
}

template <typename Acc>
void forwardT(const Geo& g, int algo, float alpha, const void* x, const void* w, float beta, void* y, float* ws) {
    Columns cols(g, algo, ws);
    int64_t pq = cols.pq;
    int64_t crs = cols.crs;
    float* col = cols.data;
    for (int grp = 0; grp < g.G; grp++) {
        std::vector<float> wr = filterRows(g, w, grp);
        for (int n = 0; n < g.N; n++) {
            im2col(g, x, n, grp, col);
            std::vector<float> colT = transpose(col, crs, pq);
            for (int kk = 0; kk < g.Kg; kk++) {
                for (int p = 0; p < g.P; p++) {
                    for (int q = 0; q < g.Q; q++) {
                        Acc acc = dot<Acc>(&wr[kk * crs], &colT[(p * g.Q + q) * crs], crs);
                        int64_t yi = g.yi(n, grp * g.Kg + kk, p, q);
                        blend<Acc>(g, y, yi, alpha, acc, beta);
                    }
                }
            }
        }
    }
}

template <typename Acc>
void backwardDataT(const Geo& g, int algo, float alpha, const void* w, const void* dy, float beta, void* dx,
                   float* ws) {
    Columns cols(g, algo, ws);
    int64_t pq = cols.pq;
    int64_t crs = cols.crs;
    float* col = cols.data;
    for (int grp = 0; grp < g.G; grp++) {
        std::vector<float> wT = transpose(filterRows(g, w, grp).data(), g.Kg, crs);
        for (int n = 0; n < g.N; n++) {
            // Columns = W_group^T x dy: one row per (c, r, s), one column per output pixel.
            std::vector<float> dyT = transpose(outputRows(g, dy, n, grp).data(), g.Kg, pq);
            for (int64_t i = 0; i < crs; i++) {
                for (int64_t j = 0; j < pq; j++) {
                    col[i * pq + j] = static_cast<float>(dot<Acc>(&wT[i * g.Kg], &dyT[j * g.Kg], g.Kg));
                }
            }
            // col2im: each input pixel gathers the columns of the windows that cover it.
            for (int c = 0; c < g.Cg; c++) {
                for (int h = 0; h < g.H; h++) {
                    for (int wc = 0; wc < g.W; wc++) {
                        Acc acc = 0;
                        for (int r = 0; r < g.R; r++) {
                            int ph = h + g.padH - r * g.dilH;
                            if (ph < 0 || ph % g.strH != 0 || ph / g.strH >= g.P) {
                                continue;
                            }
                            for (int s = 0; s < g.S; s++) {
                                int qw = wc + g.padW - s * g.dilW;
                                if (qw < 0 || qw % g.strW != 0 || qw / g.strW >= g.Q) {
                                    continue;
                                }
                                acc += col[((c * g.R + r) * g.S + s) * pq + (ph / g.strH) * g.Q + qw / g.strW];
                            }
                        }
                        int64_t xi = g.xi(n, grp * g.Cg + c, h, wc);
                        blend<Acc>(g, dx, xi, alpha, acc, beta);
                    }
                }
            }
        }
    }
}

template <typename Acc>
void backwardFilterT(const Geo& g, int algo, float alpha, const void* x, const void* dy, float beta, void* dw,
                     float* ws) {
    Columns cols(g, algo, ws);
    int64_t pq = cols.pq;
    int64_t crs = cols.crs;
    float* col = cols.data;
    // Sums over images and output pixels, per filter row (k) and window position (c, r, s).
    std::vector<Acc> acc(static_cast<size_t>(g.K * crs), 0);
    for (int grp = 0; grp < g.G; grp++) {
        for (int n = 0; n < g.N; n++) {
            im2col(g, x, n, grp, col);
            std::vector<float> dyr = outputRows(g, dy, n, grp);
            for (int kk = 0; kk < g.Kg; kk++) {
                for (int64_t i = 0; i < crs; i++) {
                    acc[(grp * g.Kg + kk) * crs + i] += dot<Acc>(&dyr[kk * pq], &col[i * pq], pq);
                }
            }
        }
    }
    for (int k = 0; k < g.K; k++) {
        for (int c = 0; c < g.Cg; c++) {
            for (int r = 0; r < g.R; r++) {
                for (int s = 0; s < g.S; s++) {
                    // Window position (r, s) holds filter element wi(k, c, r, s) (flipped for CONVOLUTION).
                    int64_t wi = g.wi(k, c, r, s);
                    Acc sum = acc[k * crs + (c * g.R + r) * g.S + s];
                    blend<Acc>(g, dw, wi, alpha, sum, beta);
                }
            }
        }
    }
}

bool validHandle(const Handle* h) {
    return h != nullptr && h->magic == HANDLE_MAGIC;
}

Status find(const char* call, Direction dir, Handle* h, const Tensor* x, const Filter* w, const Conv* conv,
            const Tensor* y, int requested, int* returned, Perf* results) {
    if (!validHandle(h)) {
        return NOT_INITIALIZED;
    }
    if (requested <= 0 || !returned || !results) {
        report(call, "CUDNN_STATUS_BAD_PARAM: requestedAlgoCount " + std::to_string(requested) +
                         ", or a NULL output pointer");
        return BAD_PARAM;
    }
    Geo g;
    Status st = validate(call, x, w, conv, y, g);
    if (st != SUCCESS) {
        return st;
    }
    // Find runs and times every algorithm, waiting for the device: it cannot be captured.
    if (hostcuda_stream_synchronize(h->stream, call) != 0) {
        return EXECUTION_FAILED;
    }
    std::vector<Perf> all;
    all.push_back({WORKSPACE_ALGO, SUCCESS, WORKSPACE_ALGO_MS, workspaceFor(g, WORKSPACE_ALGO), DETERMINISTIC,
                   conv->math, {0, 0, 0}});
    all.push_back({DIRECT_ALGO, SUCCESS, DIRECT_ALGO_MS, 0, DETERMINISTIC, conv->math, {0, 0, 0}});
    if (g.R == 1 && g.S == 1) {
        // A 1x1 filter gains nothing from columns: the direct algorithm, without workspace, comes first (so that
        // callers meet both a workspace and none, as on a GPU).
        std::swap(all[0], all[1]);
        all[0].time = POINTWISE_DIRECT_MS;
    }
    for (int a = 0; a < ALGO_COUNT[dir]; a++) {
        if (a != WORKSPACE_ALGO && a != DIRECT_ALGO) {
            all.push_back({a, NOT_SUPPORTED, -1.0f, 0, NON_DETERMINISTIC, conv->math, {0, 0, 0}});
        }
    }
    int n = std::min<int>(requested, static_cast<int>(all.size()));
    if (std::getenv("HOSTCUDA_TRACE")) {
        report(call, "math " + std::to_string(conv->math) + " requested " + std::to_string(requested));
    }
    std::copy(all.begin(), all.begin() + n, results);
    *returned = n;
    return SUCCESS;
}

Status run(const char* call, Direction dir, Handle* h, const void* alpha, const Tensor* xd, const void* x,
           const Filter* wd, const void* w, const Conv* conv, int algo, void* workspace, size_t workspaceBytes,
           const void* beta, const Tensor* yd, void* y) {
    if (!validHandle(h)) {
        return NOT_INITIALIZED;
    }
    Geo g;
    Status st = validate(call, xd, wd, conv, yd, g);
    if (st != SUCCESS) {
        return st;
    }
    if (!alpha || !beta) {
        report(call, "CUDNN_STATUS_BAD_PARAM: alpha or beta is NULL");
        return BAD_PARAM;
    }
    if (algo < 0 || algo >= ALGO_COUNT[dir]) {
        report(call, "CUDNN_STATUS_BAD_PARAM: algorithm " + std::to_string(algo));
        return BAD_PARAM;
    }
    if (algo != WORKSPACE_ALGO && algo != DIRECT_ALGO) {
        report(call, "CUDNN_STATUS_NOT_SUPPORTED: algorithm " + std::to_string(algo) + " (Find reported it so)");
        return NOT_SUPPORTED;
    }
    uint64_t need = workspaceFor(g, algo);
    if (need > 0 && (workspace == nullptr || workspaceBytes < need)) {
        report(call, "CUDNN_STATUS_BAD_PARAM: " + std::string(DIRECTION_NAMES[dir]) + " algorithm " +
                         std::to_string(algo) + " needs " + std::to_string(need) + " bytes of workspace, got " +
                         std::to_string(workspaceBytes) + (workspace ? "" : " at NULL"));
        return BAD_PARAM;
    }
    // Host scalars are read now (float for float and bfloat16 data).
    float al = *static_cast<const float*>(alpha);
    float be = *static_cast<const float*>(beta);
    std::vector<HcRange> ranges;
    auto add = [&](const void* p, int64_t bytes, const char* what) {
        ranges.push_back({reinterpret_cast<uint64_t>(p), static_cast<uint64_t>(bytes), what});
    };
    const void* in1;  // the operands by direction
    const void* in2;
    void* out;
    if (dir == FORWARD) {
        add(x, g.xBytes, "x");
        add(w, g.wBytes, "w");
        add(y, g.yBytes, "y");
        in1 = x, in2 = w, out = y;
    } else if (dir == BACKWARD_DATA) {
        add(w, g.wBytes, "w");
        add(y, g.yBytes, "dy");
        add(x, g.xBytes, "dx");
        in1 = w, in2 = y, out = const_cast<void*>(x);
    } else {
        add(x, g.xBytes, "x");
        add(y, g.yBytes, "dy");
        add(w, g.wBytes, "dw");
        in1 = x, in2 = y, out = const_cast<void*>(w);
    }
    if (need > 0) {
        add(workspace, static_cast<int64_t>(need), "workspace");
    }
    auto* ws = static_cast<float*>(workspace);
    std::function<void()> work = [g, dir, algo, al, be, in1, in2, out, ws] {
        bool f = g.dtype == FLOAT;
        if (dir == FORWARD) {
            f ? forwardT<double>(g, algo, al, in1, in2, be, out, ws)
              : forwardT<float>(g, algo, al, in1, in2, be, out, ws);
        } else if (dir == BACKWARD_DATA) {
            f ? backwardDataT<double>(g, algo, al, in1, in2, be, out, ws)
              : backwardDataT<float>(g, algo, al, in1, in2, be, out, ws);
        } else {
            f ? backwardFilterT<double>(g, algo, al, in1, in2, be, out, ws)
              : backwardFilterT<float>(g, algo, al, in1, in2, be, out, ws);
        }
    };
    std::string what = std::string(call) + " algo " + std::to_string(algo);
    if (std::getenv("HOSTCUDA_TRACE")) {
        report(what, "math " + std::to_string(conv->math) + " tf32 " + std::to_string(g.tf32) + " dtype " +
                         std::to_string(g.dtype) + " alpha " + std::to_string(al) + " beta " + std::to_string(be) +
                         " ws " + std::to_string(workspaceBytes));
    }
    return hostcuda_enqueue(h->stream, what.c_str(), &ranges, &work) == 0 ? SUCCESS : EXECUTION_FAILED;
}

template <typename T>
int create(T** out) {
    if (!out) {
        return BAD_PARAM;
    }
    *out = new T();
    return SUCCESS;
}

template <typename T>
int destroy(T* d, uint32_t magic) {
    if (d && d->magic == magic) {
        d->magic = 0;
        delete d;
    }
    return SUCCESS;
}

int maxCount(const Handle* h, Direction dir, int* count) {
    if (!validHandle(h) || !count) {
        return BAD_PARAM;
    }
    *count = ALGO_COUNT[dir];
    return SUCCESS;
}

bool knownType(int t) {
    return t == FLOAT || t == DOUBLE || t == HALF || t == INT8 || t == INT32 || t == BFLOAT16;
}

}  // namespace

// ---- handle ---------------------------------------------------------------------------------------------------------

HC_API size_t cudnnGetVersion() {
    return 90500;
}

HC_API size_t cudnnGetCudartVersion() {
    return 13000;
}

HC_API const char* cudnnGetErrorString(int status) {
    static const char* const names[] = {"CUDNN_STATUS_SUCCESS",        "CUDNN_STATUS_NOT_INITIALIZED",
                                        "CUDNN_STATUS_ALLOC_FAILED",   "CUDNN_STATUS_BAD_PARAM",
                                        "CUDNN_STATUS_INTERNAL_ERROR", "CUDNN_STATUS_INVALID_VALUE",
                                        "CUDNN_STATUS_ARCH_MISMATCH",  "CUDNN_STATUS_MAPPING_ERROR",
                                        "CUDNN_STATUS_EXECUTION_FAILED", "CUDNN_STATUS_NOT_SUPPORTED"};
    return status >= 0 && status <= NOT_SUPPORTED ? names[status] : "CUDNN_STATUS_UNKNOWN";
}

HC_API int cudnnCreate(Handle** out) {
    if (!out) {
        return BAD_PARAM;
    }
    // cuDNN 9 loads its sub-libraries by name: found only if already loaded (NativeStack preloads them).
    for (const char* lib : {HC_CUDNN_OPS, HC_CUDNN_CNN}) {
        if (!dlopen(lib, RTLD_NOW | RTLD_GLOBAL)) {
            report("cudnnCreate", std::string("CUDNN_STATUS_NOT_INITIALIZED: cannot load ") + lib + ": " + dlerror());
            return NOT_INITIALIZED;
        }
    }
    *out = new Handle();
    return SUCCESS;
}

HC_API int cudnnDestroy(Handle* h) {
    if (!validHandle(h)) {
        return BAD_PARAM;
    }
    h->magic = 0;
    delete h;
    return SUCCESS;
}

HC_API int cudnnSetStream(Handle* h, void* stream) {
    if (!validHandle(h)) {
        return BAD_PARAM;
    }
    if (!hostcuda_stream_valid(stream)) {
        report("cudnnSetStream", "CUDNN_STATUS_BAD_PARAM: not a live stream");
        return BAD_PARAM;
    }
    h->stream = stream;
    return SUCCESS;
}

HC_API int cudnnGetStream(Handle* h, void** stream) {
    if (!validHandle(h) || !stream) {
        return BAD_PARAM;
    }
    *stream = h->stream;
    return SUCCESS;
}

// ---- descriptors ----------------------------------------------------------------------------------------------------

HC_API int cudnnCreateTensorDescriptor(Tensor** out) {
    return create(out);
}

HC_API int cudnnDestroyTensorDescriptor(Tensor* t) {
    return destroy(t, TENSOR_MAGIC);
}

HC_API int cudnnSetTensor4dDescriptorEx(Tensor* t, int dtype, int n, int c, int h, int w, int ns, int cs, int hs,
                                        int ws) {
    if (!t || t->magic != TENSOR_MAGIC || !knownType(dtype) || n <= 0 || c <= 0 || h <= 0 || w <= 0 || ns <= 0 ||
        cs <= 0 || hs <= 0 || ws <= 0) {
        report("cudnnSetTensor4dDescriptor", "CUDNN_STATUS_BAD_PARAM: type " + std::to_string(dtype) + ", dims " +
                                                 std::to_string(n) + "x" + std::to_string(c) + "x" + std::to_string(h) +
                                                 "x" + std::to_string(w));
        return BAD_PARAM;
    }
    t->dtype = dtype;
    t->n = n, t->c = c, t->h = h, t->w = w;
    t->ns = ns, t->cs = cs, t->hs = hs, t->ws = ws;
    t->set = true;
    return SUCCESS;
}

HC_API int cudnnSetTensor4dDescriptor(Tensor* t, int format, int dtype, int n, int c, int h, int w) {
    if (format == NCHW) {
        return cudnnSetTensor4dDescriptorEx(t, dtype, n, c, h, w, c * h * w, h * w, w, 1);
    }
    if (format == NHWC) {
        return cudnnSetTensor4dDescriptorEx(t, dtype, n, c, h, w, h * w * c, 1, w * c, c);
    }
    report("cudnnSetTensor4dDescriptor", "CUDNN_STATUS_BAD_PARAM: format " + std::to_string(format));
    return BAD_PARAM;
}

HC_API int cudnnGetTensor4dDescriptor(const Tensor* t, int* dtype, int* n, int* c, int* h, int* w, int* ns, int* cs,
                                      int* hs, int* ws) {
    if (!t || t->magic != TENSOR_MAGIC) {
        return BAD_PARAM;
    }
    *dtype = t->dtype;
    *n = t->n, *c = t->c, *h = t->h, *w = t->w;
    *ns = static_cast<int>(t->ns), *cs = static_cast<int>(t->cs), *hs = static_cast<int>(t->hs);
    *ws = static_cast<int>(t->ws);
    return SUCCESS;
}

HC_API int cudnnCreateFilterDescriptor(Filter** out) {
    return create(out);
}

HC_API int cudnnDestroyFilterDescriptor(Filter* f) {
    return destroy(f, FILTER_MAGIC);
}

// Note the order: data type before format (the tensor descriptor has format first).
HC_API int cudnnSetFilter4dDescriptor(Filter* f, int dtype, int format, int k, int c, int h, int w) {
    if (!f || f->magic != FILTER_MAGIC || !knownType(dtype) || (format != NCHW && format != NHWC) || k <= 0 ||
        c <= 0 || h <= 0 || w <= 0) {
        report("cudnnSetFilter4dDescriptor", "CUDNN_STATUS_BAD_PARAM: type " + std::to_string(dtype) + ", format " +
                                                 std::to_string(format) + ", dims " + std::to_string(k) + "x" +
                                                 std::to_string(c) + "x" + std::to_string(h) + "x" + std::to_string(w));
        return BAD_PARAM;
    }
    f->dtype = dtype;
    f->format = format;
    f->k = k, f->c = c, f->h = h, f->w = w;
    f->set = true;
    return SUCCESS;
}

HC_API int cudnnCreateConvolutionDescriptor(Conv** out) {
    return create(out);
}

HC_API int cudnnDestroyConvolutionDescriptor(Conv* c) {
    return destroy(c, CONV_MAGIC);
}

HC_API int cudnnSetConvolution2dDescriptor(Conv* c, int padH, int padW, int u, int v, int dilH, int dilW, int mode,
                                           int computeType) {
    if (!c || c->magic != CONV_MAGIC || padH < 0 || padW < 0 || u <= 0 || v <= 0 || dilH <= 0 || dilW <= 0 ||
        (mode != CONVOLUTION && mode != CROSS_CORRELATION) || !knownType(computeType)) {
        report("cudnnSetConvolution2dDescriptor",
               "CUDNN_STATUS_BAD_PARAM: pad " + std::to_string(padH) + "," + std::to_string(padW) + " stride " +
                   std::to_string(u) + "," + std::to_string(v) + " dilation " + std::to_string(dilH) + "," +
                   std::to_string(dilW) + " mode " + std::to_string(mode) + " type " + std::to_string(computeType));
        return BAD_PARAM;
    }
    c->padH = padH, c->padW = padW, c->strideH = u, c->strideW = v, c->dilationH = dilH, c->dilationW = dilW;
    c->mode = mode;
    c->computeType = computeType;
    c->set = true;
    return SUCCESS;
}

HC_API int cudnnGetConvolution2dDescriptor(const Conv* c, int* padH, int* padW, int* u, int* v, int* dilH, int* dilW,
                                           int* mode, int* computeType) {
    if (!c || c->magic != CONV_MAGIC) {
        return BAD_PARAM;
    }
    *padH = c->padH, *padW = c->padW, *u = c->strideH, *v = c->strideW, *dilH = c->dilationH, *dilW = c->dilationW;
    *mode = c->mode;
    *computeType = c->computeType;
    return SUCCESS;
}

HC_API int cudnnSetConvolutionGroupCount(Conv* c, int groups) {
    if (!c || c->magic != CONV_MAGIC || groups < 1) {
        report("cudnnSetConvolutionGroupCount", "CUDNN_STATUS_BAD_PARAM: group count " + std::to_string(groups));
        return BAD_PARAM;
    }
    c->groups = groups;
    return SUCCESS;
}

HC_API int cudnnGetConvolutionGroupCount(const Conv* c, int* groups) {
    if (!c || c->magic != CONV_MAGIC || !groups) {
        return BAD_PARAM;
    }
    *groups = c->groups;
    return SUCCESS;
}

HC_API int cudnnSetConvolutionMathType(Conv* c, int math) {
    if (!c || c->magic != CONV_MAGIC || math < DEFAULT_MATH || math > FMA_MATH) {
        report("cudnnSetConvolutionMathType", "CUDNN_STATUS_BAD_PARAM: math type " + std::to_string(math));
        return BAD_PARAM;
    }
    c->math = math;
    if (std::getenv("HOSTCUDA_TRACE")) {
        report("cudnnSetConvolutionMathType", std::to_string(math));
    }
    return SUCCESS;
}

HC_API int cudnnGetConvolutionMathType(const Conv* c, int* math) {
    if (!c || c->magic != CONV_MAGIC || !math) {
        return BAD_PARAM;
    }
    *math = c->math;
    return SUCCESS;
}

HC_API int cudnnGetConvolution2dForwardOutputDim(const Conv* conv, const Tensor* x, const Filter* w, int* n, int* c,
                                                 int* h, int* wo) {
    if (!conv || conv->magic != CONV_MAGIC || !conv->set || !x || x->magic != TENSOR_MAGIC || !x->set || !w ||
        w->magic != FILTER_MAGIC || !w->set || x->c != w->c * conv->groups) {
        report("cudnnGetConvolution2dForwardOutputDim", "CUDNN_STATUS_BAD_PARAM: descriptors not set, or input "
                                                        "channels != group count x filter channels");
        return BAD_PARAM;
    }
    *n = x->n;
    *c = w->k;
    *h = outDim(x->h, conv->padH, w->h, conv->dilationH, conv->strideH);
    *wo = outDim(x->w, conv->padW, w->w, conv->dilationW, conv->strideW);
    return SUCCESS;
}

// ---- algorithms and convolutions ------------------------------------------------------------------------------------

HC_API int cudnnGetConvolutionForwardAlgorithmMaxCount(Handle* h, int* count) {
    return maxCount(h, FORWARD, count);
}

HC_API int cudnnGetConvolutionBackwardDataAlgorithmMaxCount(Handle* h, int* count) {
    return maxCount(h, BACKWARD_DATA, count);
}

HC_API int cudnnGetConvolutionBackwardFilterAlgorithmMaxCount(Handle* h, int* count) {
    return maxCount(h, BACKWARD_FILTER, count);
}

HC_API int cudnnFindConvolutionForwardAlgorithm(Handle* h, const Tensor* x, const Filter* w, const Conv* conv,
                                                const Tensor* y, int requested, int* returned, Perf* results) {
    return find("cudnnFindConvolutionForwardAlgorithm", FORWARD, h, x, w, conv, y, requested, returned, results);
}

HC_API int cudnnFindConvolutionBackwardDataAlgorithm(Handle* h, const Filter* w, const Tensor* dy, const Conv* conv,
                                                     const Tensor* dx, int requested, int* returned, Perf* results) {
    return find("cudnnFindConvolutionBackwardDataAlgorithm", BACKWARD_DATA, h, dx, w, conv, dy, requested, returned,
                results);
}

HC_API int cudnnFindConvolutionBackwardFilterAlgorithm(Handle* h, const Tensor* x, const Tensor* dy, const Conv* conv,
                                                       const Filter* dw, int requested, int* returned, Perf* results) {
    return find("cudnnFindConvolutionBackwardFilterAlgorithm", BACKWARD_FILTER, h, x, dw, conv, dy, requested,
                returned, results);
}

namespace {
int workspaceSize(const char* call, Direction dir, const Tensor* x, const Filter* w, const Conv* conv,
                  const Tensor* y, int algo, size_t* bytes) {
    Geo g;
    Status st = validate(call, x, w, conv, y, g);
    if (st != SUCCESS) {
        return st;
    }
    if (algo < 0 || algo >= ALGO_COUNT[dir] || !bytes) {
        return BAD_PARAM;
    }
    if (algo != WORKSPACE_ALGO && algo != DIRECT_ALGO) {
        return NOT_SUPPORTED;
    }
    *bytes = workspaceFor(g, algo);
    return SUCCESS;
}
}  // namespace

HC_API int cudnnGetConvolutionForwardWorkspaceSize(Handle*, const Tensor* x, const Filter* w, const Conv* conv,
                                                   const Tensor* y, int algo, size_t* bytes) {
    return workspaceSize("cudnnGetConvolutionForwardWorkspaceSize", FORWARD, x, w, conv, y, algo, bytes);
}

HC_API int cudnnGetConvolutionBackwardDataWorkspaceSize(Handle*, const Filter* w, const Tensor* dy, const Conv* conv,
                                                        const Tensor* dx, int algo, size_t* bytes) {
    return workspaceSize("cudnnGetConvolutionBackwardDataWorkspaceSize", BACKWARD_DATA, dx, w, conv, dy, algo, bytes);
}

HC_API int cudnnGetConvolutionBackwardFilterWorkspaceSize(Handle*, const Tensor* x, const Tensor* dy, const Conv* conv,
                                                          const Filter* dw, int algo, size_t* bytes) {
    return workspaceSize("cudnnGetConvolutionBackwardFilterWorkspaceSize", BACKWARD_FILTER, x, dw, conv, dy, algo,
                         bytes);
}

HC_API int cudnnConvolutionForward(Handle* h, const void* alpha, const Tensor* xd, const void* x, const Filter* wd,
                                   const void* w, const Conv* conv, int algo, void* workspace, size_t workspaceBytes,
                                   const void* beta, const Tensor* yd, void* y) {
    return run("cudnnConvolutionForward", FORWARD, h, alpha, xd, x, wd, w, conv, algo, workspace, workspaceBytes, beta,
               yd, y);
}

HC_API int cudnnConvolutionBackwardData(Handle* h, const void* alpha, const Filter* wd, const void* w,
                                        const Tensor* dyd, const void* dy, const Conv* conv, int algo, void* workspace,
                                        size_t workspaceBytes, const void* beta, const Tensor* dxd, void* dx) {
    return run("cudnnConvolutionBackwardData", BACKWARD_DATA, h, alpha, dxd, dx, wd, w, conv, algo, workspace,
               workspaceBytes, beta, dyd, const_cast<void*>(dy));
}

HC_API int cudnnConvolutionBackwardFilter(Handle* h, const void* alpha, const Tensor* xd, const void* x,
                                          const Tensor* dyd, const void* dy, const Conv* conv, int algo,
                                          void* workspace, size_t workspaceBytes, const void* beta, const Filter* dwd,
                                          void* dw) {
    return run("cudnnConvolutionBackwardFilter", BACKWARD_FILTER, h, alpha, xd, x, dwd, dw, conv, algo, workspace,
               workspaceBytes, beta, dyd, const_cast<void*>(dy));
}

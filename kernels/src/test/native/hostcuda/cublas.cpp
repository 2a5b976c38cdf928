// libcublas.so.13 (or .12) on the CPU: the handle calls and the two GEMMs that CudaContext makes, with cuBLAS's
// documented semantics: column-major, op N/T, leading dimensions checked as cuBLAS checks them
// (CUBLAS_STATUS_INVALID_VALUE), alpha and beta read from host memory when the call is made (the default pointer mode),
// C not read when beta is 0, the product queued on the handle's stream (the legacy default stream until
// cublasSetStream), every matrix's range checked against the device allocations (CUBLAS_STATUS_EXECUTION_FAILED, with a
// line on stderr, where a GPU would fault). Math: float products accumulated in double (an upper bound on cuBLAS's
// accuracy); with CUBLAS_TF32_TENSOR_OP_MATH the inputs are rounded to TF32, with CUBLAS_COMPUTE_32F_FAST_16BF to
// bfloat16 (nearest even, as the tensor cores' conversion); GemmEx on bfloat16 or half A and B (C of the same type or
// float) with COMPUTE_32F reads them as they are and rounds a 16-bit C to nearest even. It depends on libcublasLt.so.13, as the real one does, so
// that NativeStack's preloading of dependencies is exercised. Functions not here are answered by the bridge's
// missing-function stub (CUBLAS_STATUS_NOT_SUPPORTED and a line naming the function): that is what a real
// libcublas.so.13 lacking a function gets, so the stand-in defines only what it implements. Built as libcublas.so.12
// (the natives' own soname, no bridge, symbols under the version node libcublas.so.12) it carries weak stubs, generated
// by HostCuda.java, for every other function the JCublas natives import.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "hostcuda.h"

extern "C" size_t cublasLtGetVersion();  // libcublasLt.so.13 (.12)

namespace {

// cublas_api.h's values.
enum Status {
    SUCCESS = 0,
    NOT_INITIALIZED = 1,
    ALLOC_FAILED = 3,
    INVALID_VALUE = 7,
    ARCH_MISMATCH = 8,
    EXECUTION_FAILED = 13,
    INTERNAL_ERROR = 14,
    NOT_SUPPORTED = 15,
};
enum Op { OP_N = 0, OP_T = 1, OP_C = 2 };
enum Math { DEFAULT_MATH = 0, TENSOR_OP_MATH = 1, PEDANTIC_MATH = 2, TF32_TENSOR_OP_MATH = 3 };
constexpr int DISALLOW_REDUCED_PRECISION_REDUCTION = 16;
enum PointerMode { POINTER_MODE_HOST = 0, POINTER_MODE_DEVICE = 1 };
// library_types.h (cudaDataType) and cublasComputeType_t.
constexpr int CUDA_R_32F = 0;
constexpr int CUDA_R_16F = 2;
constexpr int CUDA_R_16BF = 14;
constexpr int COMPUTE_32F = 68;
constexpr int COMPUTE_32F_PEDANTIC = 69;
constexpr int COMPUTE_32F_FAST_16BF = 75;
constexpr int COMPUTE_32F_FAST_TF32 = 77;
constexpr int GEMM_DEFAULT = -1;
constexpr int GEMM_ALGO23 = 23;
constexpr int GEMM_DEFAULT_TENSOR_OP = 99;
constexpr int GEMM_ALGO15_TENSOR_OP = 115;

constexpr uint32_t MAGIC = 0xc0b1a5u;

struct Handle {
    uint32_t magic = MAGIC;
    void* stream = nullptr;
    int math = DEFAULT_MATH;
    int pointerMode = POINTER_MODE_HOST;
};

bool valid(const Handle* h) {
    return h != nullptr && h->magic == MAGIC;
}

void report(const std::string& call, const std::string& message) {
    hostcuda_report(call.c_str(), &message);
}

enum class Round { NONE, TF32, BF16 };

// How many bytes a column-major rows x cols matrix with leading dimension ld spans.
uint64_t span(int rows, int cols, int ld, size_t element) {
    if (rows == 0 || cols == 0) {
        return 0;
    }
    return (static_cast<uint64_t>(cols - 1) * ld + rows) * element;
}

float load(const void* base, int type, size_t index, Round round) {
    float v = type == CUDA_R_16BF ? hc::bf16Load(static_cast<const uint16_t*>(base) + index)
              : type == CUDA_R_16F ? hc::halfLoad(static_cast<const uint16_t*>(base) + index)
                                   : static_cast<const float*>(base)[index];
    return round == Round::TF32 ? hc::toTf32(v) : round == Round::BF16 ? hc::toBf16(v) : v;
}

struct Gemm {
    int transa, transb, m, n, k;
    float alpha, beta;
    const void* a;
    int atype, lda;
    const void* b;
    int btype, ldb;
    void* c;
    int ctype, ldc;
    Round round;

    // op(A) as m rows of k and op(B) as n rows of k, converted (and rounded) once, so that each sum runs over
    // contiguous memory.
    void run() const {
        std::vector<float> ar(static_cast<size_t>(m) * k);
        std::vector<float> br(static_cast<size_t>(n) * k);
        if (alpha != 0.0f) {
            for (int i = 0; i < m; i++) {
                for (int p = 0; p < k; p++) {
                    size_t at = transa == OP_N ? i + static_cast<size_t>(p) * lda : p + static_cast<size_t>(i) * lda;
                    ar[static_cast<size_t>(i) * k + p] = load(a, atype, at, round);
                }
            }
            for (int j = 0; j < n; j++) {
                for (int p = 0; p < k; p++) {
                    size_t at = transb == OP_N ? p + static_cast<size_t>(j) * ldb : j + static_cast<size_t>(p) * ldb;
                    br[static_cast<size_t>(j) * k + p] = load(b, btype, at, round);
                }
            }
        }
        for (int j = 0; j < n; j++) {
            for (int i = 0; i < m; i++) {
                double sum = 0;
                if (alpha != 0.0f) {
                    const float* ai = &ar[static_cast<size_t>(i) * k];
                    const float* bj = &br[static_cast<size_t>(j) * k];
                    for (int p = 0; p < k; p++) {
                        sum += static_cast<double>(ai[p]) * bj[p];
                    }
                }
                size_t ci = i + static_cast<size_t>(j) * ldc;
                // beta == 0: C is not read (it may hold NaN), as cuBLAS documents.
                double old = beta == 0.0f ? 0.0 : static_cast<double>(load(c, ctype, ci, Round::NONE));
                float out = static_cast<float>(alpha * sum + beta * old);
                if (ctype == CUDA_R_16BF) {
                    hc::bf16Store(static_cast<uint16_t*>(c) + ci, out);
                } else if (ctype == CUDA_R_16F) {
                    hc::halfStore(static_cast<uint16_t*>(c) + ci, out);
                } else {
                    static_cast<float*>(c)[ci] = out;
                }
            }
        }
    }
};

int gemm(const char* call, Handle* h, int transa, int transb, int m, int n, int k, const float* alpha, const void* a,
         int atype, int lda, const void* b, int btype, int ldb, const float* beta, void* c, int ctype, int ldc,
         Round round) {
    if (!valid(h)) {
        return NOT_INITIALIZED;
    }
    // cuBLAS's argument checks, in its order of parameters.
    std::string bad;
    if (transa != OP_N && transa != OP_T && transa != OP_C) {
        bad = "transa " + std::to_string(transa);
    } else if (transb != OP_N && transb != OP_T && transb != OP_C) {
        bad = "transb " + std::to_string(transb);
    } else if (m < 0 || n < 0 || k < 0) {
        bad = "m, n, k = " + std::to_string(m) + ", " + std::to_string(n) + ", " + std::to_string(k);
    } else if (lda < std::max(1, transa == OP_N ? m : k)) {
        bad = "lda " + std::to_string(lda) + " < max(1, " + (transa == OP_N ? "m" : "k") + ")";
    } else if (ldb < std::max(1, transb == OP_N ? k : n)) {
        bad = "ldb " + std::to_string(ldb) + " < max(1, " + (transb == OP_N ? "k" : "n") + ")";
    } else if (ldc < std::max(1, m)) {
        bad = "ldc " + std::to_string(ldc) + " < max(1, m)";
    } else if (alpha == nullptr || beta == nullptr) {
        bad = "alpha or beta is NULL";
    }
    if (!bad.empty()) {
        report(call, "CUBLAS_STATUS_INVALID_VALUE: " + bad + " (m=" + std::to_string(m) + " n=" + std::to_string(n) +
                         " k=" + std::to_string(k) + " lda=" + std::to_string(lda) + " ldb=" + std::to_string(ldb) +
                         " ldc=" + std::to_string(ldc) + ")");
        return INVALID_VALUE;
    }
    if (h->pointerMode != POINTER_MODE_HOST) {
        report(call, "CUBLAS_POINTER_MODE_DEVICE is not modelled by hostcuda");
        return NOT_SUPPORTED;
    }
    // Host scalars are read now: the caller may reuse them once the call returns.
    float al = *alpha;
    float be = *beta;
    if (m == 0 || n == 0 || ((al == 0.0f || k == 0) && be == 1.0f)) {
        return SUCCESS;
    }
    size_t as = atype == CUDA_R_16BF || atype == CUDA_R_16F ? 2 : 4;
    size_t bs = btype == CUDA_R_16BF || btype == CUDA_R_16F ? 2 : 4;
    size_t cs = ctype == CUDA_R_16BF || ctype == CUDA_R_16F ? 2 : 4;
    std::vector<HcRange> ranges;
    if (al != 0.0f && k > 0) {
        ranges.push_back({reinterpret_cast<uint64_t>(a),
                          transa == OP_N ? span(m, k, lda, as) : span(k, m, lda, as), "A"});
        ranges.push_back({reinterpret_cast<uint64_t>(b),
                          transb == OP_N ? span(k, n, ldb, bs) : span(n, k, ldb, bs), "B"});
    }
    ranges.push_back({reinterpret_cast<uint64_t>(c), span(m, n, ldc, cs), "C"});
    Gemm g{transa == OP_N ? OP_N : OP_T, transb == OP_N ? OP_N : OP_T, m, n, k, al, be, a, atype, lda, b, btype, ldb,
           c, ctype, ldc, round};
    std::function<void()> work = [g] { g.run(); };
    if (std::getenv("HOSTCUDA_TRACE")) {
        report(call, "types " + std::to_string(atype) + "/" + std::to_string(btype) + "/" + std::to_string(ctype) +
                         " round " + std::to_string(static_cast<int>(round)) + " alpha " + std::to_string(al) +
                         " beta " + std::to_string(be) + " m n k " + std::to_string(m) + " " + std::to_string(n) +
                         " " + std::to_string(k) + " ld " + std::to_string(lda) + " " + std::to_string(ldb) + " " +
                         std::to_string(ldc) + " ops " + std::to_string(transa) + std::to_string(transb));
    }
    std::string what = std::string(call) + " m=" + std::to_string(m) + " n=" + std::to_string(n) +
                       " k=" + std::to_string(k);
    int r = hostcuda_enqueue(h->stream, what.c_str(), &ranges, &work);
    return r == 0 ? SUCCESS : EXECUTION_FAILED;
}

}  // namespace

HC_API int cublasCreate_v2(Handle** out) {
    if (!out) {
        return INVALID_VALUE;
    }
    // The real library initialises cublasLt here too.
    if (cublasLtGetVersion() == 0) {
        return NOT_INITIALIZED;
    }
    *out = new Handle();
    return SUCCESS;
}

HC_API int cublasDestroy_v2(Handle* h) {
    if (!valid(h)) {
        return NOT_INITIALIZED;
    }
    h->magic = 0;
    delete h;
    return SUCCESS;
}

HC_API int cublasGetVersion_v2(Handle* h, int* version) {
    if (!valid(h)) {
        return NOT_INITIALIZED;
    }
    *version = 130000;
    return SUCCESS;
}

HC_API int cublasSetStream_v2(Handle* h, void* stream) {
    if (!valid(h)) {
        return NOT_INITIALIZED;
    }
    if (!hostcuda_stream_valid(stream)) {
        report("cublasSetStream", "not a live stream");
        return INVALID_VALUE;
    }
    h->stream = stream;
    return SUCCESS;
}

HC_API int cublasGetStream_v2(Handle* h, void** stream) {
    if (!valid(h)) {
        return NOT_INITIALIZED;
    }
    *stream = h->stream;
    return SUCCESS;
}

HC_API int cublasSetMathMode(Handle* h, int mode) {
    if (!valid(h)) {
        return NOT_INITIALIZED;
    }
    int base = mode & ~DISALLOW_REDUCED_PRECISION_REDUCTION;
    if (base != DEFAULT_MATH && base != TENSOR_OP_MATH && base != PEDANTIC_MATH && base != TF32_TENSOR_OP_MATH) {
        report("cublasSetMathMode", "mode " + std::to_string(mode));
        return INVALID_VALUE;
    }
    h->math = base;
    return SUCCESS;
}

HC_API int cublasGetMathMode(Handle* h, int* mode) {
    if (!valid(h)) {
        return NOT_INITIALIZED;
    }
    *mode = h->math;
    return SUCCESS;
}

HC_API int cublasSetPointerMode_v2(Handle* h, int mode) {
    if (!valid(h)) {
        return NOT_INITIALIZED;
    }
    if (mode != POINTER_MODE_HOST && mode != POINTER_MODE_DEVICE) {
        return INVALID_VALUE;
    }
    h->pointerMode = mode;
    return SUCCESS;
}

HC_API int cublasGetPointerMode_v2(Handle* h, int* mode) {
    if (!valid(h)) {
        return NOT_INITIALIZED;
    }
    *mode = h->pointerMode;
    return SUCCESS;
}

HC_API int cublasSgemm_v2(Handle* h, int transa, int transb, int m, int n, int k, const float* alpha, const float* a,
                          int lda, const float* b, int ldb, const float* beta, float* c, int ldc) {
    if (!valid(h)) {
        return NOT_INITIALIZED;
    }
    // TF32 tensor cores (cc >= 8.0) when the handle allows them; otherwise float FMA.
    Round round = h->math == TF32_TENSOR_OP_MATH && hostcuda_compute_capability() >= 80 ? Round::TF32 : Round::NONE;
    return gemm("cublasSgemm", h, transa, transb, m, n, k, alpha, a, CUDA_R_32F, lda, b, CUDA_R_32F, ldb, beta, c,
                CUDA_R_32F, ldc, round);
}

HC_API int cublasGemmEx(Handle* h, int transa, int transb, int m, int n, int k, const void* alpha, const void* a,
                        int atype, int lda, const void* b, int btype, int ldb, const void* beta, void* c, int ctype,
                        int ldc, int computeType, int algo) {
    if (!valid(h)) {
        return NOT_INITIALIZED;
    }
    if (!((algo >= GEMM_DEFAULT && algo <= GEMM_ALGO23) || (algo >= GEMM_DEFAULT_TENSOR_OP &&
                                                            algo <= GEMM_ALGO15_TENSOR_OP))) {
        report("cublasGemmEx", "algo " + std::to_string(algo));
        return INVALID_VALUE;
    }
    Round round;
    bool floats = atype == CUDA_R_32F && btype == CUDA_R_32F && ctype == CUDA_R_32F;
    bool halves = (atype == CUDA_R_16BF && btype == CUDA_R_16BF && (ctype == CUDA_R_16BF || ctype == CUDA_R_32F)) ||
                  (atype == CUDA_R_16F && btype == CUDA_R_16F && (ctype == CUDA_R_16F || ctype == CUDA_R_32F));
    if (floats && (computeType == COMPUTE_32F || computeType == COMPUTE_32F_PEDANTIC)) {
        round = h->math == TF32_TENSOR_OP_MATH && computeType == COMPUTE_32F ? Round::TF32 : Round::NONE;
    } else if (floats && computeType == COMPUTE_32F_FAST_TF32) {
        round = Round::TF32;
    } else if (floats && computeType == COMPUTE_32F_FAST_16BF) {
        round = Round::BF16;
    } else if (halves && computeType == COMPUTE_32F) {
        round = Round::NONE;
    } else {
        report("cublasGemmEx", "types A " + std::to_string(atype) + ", B " + std::to_string(btype) + ", C " +
                                   std::to_string(ctype) + " with compute type " + std::to_string(computeType) +
                                   " are not modelled by hostcuda");
        return NOT_SUPPORTED;
    }
    return gemm("cublasGemmEx", h, transa, transb, m, n, k, static_cast<const float*>(alpha), a, atype, lda, b, btype,
                ldb, static_cast<const float*>(beta), c, ctype, ldc, round);
}

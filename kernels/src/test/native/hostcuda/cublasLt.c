// libcublasLt.so.13 stand-in: the dependency libcublas.so.13 carries (DT_NEEDED), so that NativeStack's preloading of
// a library's dependencies from its folder is exercised; cublasCreate calls into it as the real one does.
#include <stddef.h>

__attribute__((visibility("default"))) size_t cublasLtGetVersion(void) {
    return 130000;
}

package org.cortado.gpu;

import org.junit.jupiter.api.Tag;

/** Every GPU backend operation against the CPU oracle on a GPU; skipped with the stack's account where none opens. */
@Tag("gpu")
class GpuOpsTest extends BackendOpsContract {
    @Override
    GpuBackend open(ConvImpl conv, MathMode math) {
        return GpuTestSupport.open(conv, math);
    }

    @Override
    boolean graphs() {
        return true;
    }
}

package org.cortado.gpu;

import jcuda.driver.CUdeviceptr;

/**
 * A {@link CUdeviceptr} whose numeric address can be read, so that kernels receive plain 64-bit addresses
 * ({@code Pointer.to(new long[] {address})} is the unambiguous way to pass a pointer argument) while cuBLAS, cuDNN
 * and the copy functions receive {@link #at(long)} views, JCuda's documented way to address inside an allocation.
 */
final class DevicePointer extends CUdeviceptr {

    /** Filled in by {@code cuMemAlloc}. */
    DevicePointer() {
    }

    /** The allocation's base address. */
    long address() {
        return getNativePointer() + getByteOffset();
    }

    /** A pointer {@code byteOffset} bytes into the allocation. */
    CUdeviceptr at(long byteOffset) {
        return withByteOffset(byteOffset);
    }
}

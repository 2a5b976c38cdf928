package org.cortado.gpu;

/** The operations of Caffe's less common layers against the CPU oracle on the emulated device. */
class EmulatedLayerOpsTest extends LayerOpsContract {
    @Override
    GpuBackend open() {
        return EmulatedDevice.backend();
    }
}

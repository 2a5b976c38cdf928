package org.cortado.gpu;

/** The training kernels (dropout, solver updates, losses) on the emulated device: their sources built for the CPU. */
class EmulatedTrainingKernelsTest extends TrainingKernelsContract {
    @Override
    GpuBackend open() {
        return EmulatedDevice.backend();
    }
}

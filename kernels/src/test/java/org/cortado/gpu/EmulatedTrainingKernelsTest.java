package org.cortado.gpu;

/** The training and input kernels on the emulated device (their sources compiled for the CPU). */
class EmulatedTrainingKernelsTest extends TrainingKernelsContract {
    @Override
    GpuBackend open() {
        return EmulatedDevice.backend();
    }
}

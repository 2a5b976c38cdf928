package org.cortado.cli;

import org.cortado.backend.Backend;
import org.cortado.backend.cpu.CpuBackend;
import picocli.CommandLine.Option;

/** {@code --device cpu|gpu|auto}: where the net runs. */
final class DeviceOption {
    @Option(names = "--device", defaultValue = "cpu", paramLabel = "cpu|gpu|auto",
            description = "Where to run: cpu, gpu, or auto (the GPU when one is usable, else the CPU). Default: ${DEFAULT-VALUE}.")
    String device;

    Backend open() {
        if (!device.equals("cpu")) {
            throw new IllegalArgumentException("--device " + device + ": only the CPU backend is built in this version");
        }
        return new CpuBackend();
    }
}

package org.cortado.cli;

import org.cortado.backend.Backend;
import org.cortado.backend.Backends;
import picocli.CommandLine.Option;

/** {@code --device cpu|gpu|gpu:N|auto}: where the net runs. */
public final class DeviceOption {
    @Option(names = "--device", defaultValue = "cpu", paramLabel = "cpu|gpu|gpu:N|auto",
            description = "Where to run: cpu, gpu (the first GPU), gpu:N (GPU N, 0 first), or auto (the first GPU "
                    + "when one is usable, else the CPU, said on stderr). Default: ${DEFAULT-VALUE}.")
    String device;

    /** The selected backend; {@code gpu} without a usable GPU stack fails with what was looked for and where. */
    /** {@code --device} as given. */
    public String device() {
        return device;
    }

    Backend open() {
        return Backends.select(device);
    }
}

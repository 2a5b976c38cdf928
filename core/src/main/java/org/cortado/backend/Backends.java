package org.cortado.backend;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.function.Consumer;
import org.cortado.backend.cpu.CpuBackend;

/**
 * Chooses the backend for {@code --device cpu|gpu|gpu:N|auto}. {@code gpu} (the first GPU) and {@code gpu:N} (GPU N,
 * 0 first, in the driver's order, which {@code CUDA_VISIBLE_DEVICES} narrows) fail with the provider's full account of
 * what it looked for; {@code auto} takes the first GPU when one opens and otherwise falls back to the CPU, saying so.
 */
public final class Backends {
    /** The device names {@link #select} accepts. */
    public static final List<String> DEVICES = List.of("cpu", "gpu", "gpu:N", "auto");

    private static final System.Logger LOG = System.getLogger(Backends.class.getName());

    private Backends() {
    }

    /**
     * Selects with the providers on the class path; an {@code auto} fallback to the CPU is logged as a WARNING on this
     * class's {@link System.Logger}.
     */
    public static Backend select(String device) {
        return select(device, ServiceLoader.load(BackendProvider.class),
                line -> LOG.log(System.Logger.Level.WARNING, line));
    }

    /** As {@link #select(String, Iterable, Consumer)}, the notice printed on {@code notices} as "cortado: ...". */
    public static Backend select(String device, Iterable<BackendProvider> providers, PrintStream notices) {
        return select(device, providers, line -> notices.println("cortado: " + line));
    }

    /**
     * Selects among {@code providers}; {@code notices} receives the one line that says {@code auto} fell back.
     *
     * @throws IllegalArgumentException     for a device name other than cpu, gpu, auto
     * @throws BackendUnavailableException for {@code gpu} when no provider of that kind opens
     */
    public static Backend select(String device, Iterable<BackendProvider> providers, Consumer<String> notices) {
        switch (device) {
            case "cpu":
                return new CpuBackend();
            case "gpu":
                return openGpu(providers, 0);
            case "auto":
                try {
                    return openGpu(providers, 0);
                } catch (BackendUnavailableException e) {
                    notices.accept("no usable GPU (" + e.summary() + "); running on the CPU."
                            + " --device gpu prints what was looked for.");
                    return new CpuBackend();
                }
            default:
                if (device.startsWith("gpu:")) {
                    return openGpu(providers, gpuOrdinal(device));
                }
                throw new IllegalArgumentException("unknown device '" + device + "': expected one of " + DEVICES
                        + " (N: a GPU's index, 0 first)");
        }
    }

    /** N of {@code gpu:N}. */
    private static int gpuOrdinal(String device) {
        String n = device.substring("gpu:".length());
        if (!n.matches("[0-9]{1,9}")) {
            throw new IllegalArgumentException("unknown device '" + device + "': gpu:N takes a GPU's index, 0 first"
                    + " (gpu:0, gpu:1, ...)");
        }
        return Integer.parseInt(n);
    }

    private static Backend openGpu(Iterable<BackendProvider> providers, int ordinal) {
        List<BackendUnavailableException> failures = new ArrayList<>();
        for (BackendProvider p : providers) {
            if (!p.kind().equals("gpu")) {
                continue;
            }
            try {
                return p.open(ordinal);
            } catch (BackendUnavailableException e) {
                failures.add(e);
            }
        }
        if (failures.isEmpty()) {
            throw new BackendUnavailableException("no GPU backend on the class path: the cortado-kernels jar, which"
                    + " provides it, is not there");
        }
        if (failures.size() == 1) {
            throw failures.get(0);
        }
        StringBuilder all = new StringBuilder("no GPU backend could be opened (" + failures.size() + " providers)");
        for (BackendUnavailableException f : failures) {
            all.append('\n').append(f.getMessage());
        }
        throw new BackendUnavailableException(all.toString());
    }
}

package org.cortado.cli;

import java.util.Set;
import org.cortado.backend.cpu.CpuBackend;

/**
 * Starts the CPU kernels' warm-up as the JVM starts, for the one-shot commands that run a net on the CPU, rather
 * than when the command opens its backend: the warm-up then also overlaps parsing the command line and reading the
 * input, not only loading the model.
 */
final class EarlyWarmUp {
    /** Commands that run a net a few times and exit; the long ones start it with their backend, as before. */
    private static final Set<String> COMMANDS = Set.of("forward", "classify");

    private EarlyWarmUp() {
    }

    /** Starts it when {@link #wanted} says so. */
    static void startFor(String[] args) {
        if (wanted(args)) {
            CpuBackend.startWarmUp();
        }
    }

    /**
     * Whether {@code args} name one of {@link #COMMANDS} (the first argument that is not an option: those before a
     * subcommand take no value) on the CPU ({@code --device} absent or {@code cpu}).
     */
    static boolean wanted(String[] args) {
        String command = Main.subcommand(args);
        if (command == null || !COMMANDS.contains(command)) {
            return false;
        }
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--device") && (i + 1 >= args.length || !args[i + 1].equals("cpu"))
                    || args[i].startsWith("--device=") && !args[i].equals("--device=cpu")) {
                return false;
            }
        }
        return true;
    }
}

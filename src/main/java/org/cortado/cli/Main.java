package org.cortado.cli;

import java.io.PrintWriter;
import org.cortado.image.ImageDecoder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code cortado} command line. A user's mistake (missing file, bad layer name, wrong shape) ends with one
 * line on standard error naming the thing at fault and a non-zero exit status; {@code --verbose} adds the stack
 * trace.
 */
@Command(name = "cortado", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Transfer learning with pretrained Caffe ConvNets.",
        subcommands = {InspectCommand.class, ForwardCommand.class, ClassifyCommand.class, CodesCommand.class,
                TrainHeadCommand.class, TransferCommand.class, FinetuneCommand.class, ProbeCommand.class,
                AdviseCommand.class, WeightsCommand.class, CommandLine.HelpCommand.class})
public final class Main {
    /** Exit status for an error in the work (bad input file, failed run). */
    public static final int EXIT_FAILURE = 1;
    /** Exit status for a malformed command line. */
    public static final int EXIT_USAGE = 2;

    @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
            description = "Print stack traces with errors, and more detail while working.")
    boolean verbose;

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the command line and returns the exit status, writing to the given streams (for tests). */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cli = new CommandLine(new Main());
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionStrategy(parsed -> {
            // Library code that says more only when asked (which JPEG decoder serves this process) reads this
            // property; it is restored afterwards, for the tests that run many command lines in one JVM.
            String before = System.getProperty(ImageDecoder.VERBOSE_PROPERTY);
            if (verbose(parsed)) {
                System.setProperty(ImageDecoder.VERBOSE_PROPERTY, "true");
            }
            try {
                return new CommandLine.RunLast().execute(parsed);
            } finally {
                if (before == null) {
                    System.clearProperty(ImageDecoder.VERBOSE_PROPERTY);
                } else {
                    System.setProperty(ImageDecoder.VERBOSE_PROPERTY, before);
                }
            }
        });
        cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            err.println("cortado " + cmd.getCommandName() + ": " + Errors.oneLine(ex));
            if (verbose(parsed)) {
                ex.printStackTrace(err);
            }
            err.flush();
            return EXIT_FAILURE;
        });
        cli.setParameterExceptionHandler((ex, argv) -> {
            ex.getCommandLine().getErr().println("cortado: " + ex.getMessage()
                    + " (see: cortado " + commandPath(ex.getCommandLine()) + " --help)");
            return EXIT_USAGE;
        });
        return cli.execute(args);
    }

    private static boolean verbose(CommandLine.ParseResult parsed) {
        return parsed.asCommandLineList().stream()
                .anyMatch(c -> c.getParseResult() != null && c.getParseResult().hasMatchedOption("--verbose"));
    }

    private static String commandPath(CommandLine cmd) {
        String path = cmd.getCommandName();
        return "cortado".equals(path) ? "" : path;
    }

    /** The version from the jar's manifest, or "development" when run from classes. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"cortado " + Errors.engineVersion()};
        }
    }
}

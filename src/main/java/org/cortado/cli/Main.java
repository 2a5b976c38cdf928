package org.cortado.cli;

import java.io.PrintWriter;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntConsumer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code cortado} command line. A user's mistake (missing file, bad layer name, wrong shape) ends with one
 * line on standard error naming the thing at fault and a non-zero exit status; {@code --verbose} adds the stack
 * trace. So does every other failure, {@link Error}s such as running out of heap included, in the command or in
 * any thread: nothing reaches the JVM's default handler, which would print a trace.
 */
@Command(name = "cortado", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Transfer learning with pretrained Caffe ConvNets.")
public final class Main {
    /**
     * The subcommands, in the order {@code cortado --help} lists them. They are added by {@link #commandLine} rather
     * than named in the annotation, so that a run of one of them builds picocli's model of that one only: building
     * the whole tree, by reflection over every command's options and interpreted, was most of a start's time before
     * the command ran (bench/RESULTS.md, "Start-up on Zen 3").
     */
    static final List<Class<?>> SUBCOMMANDS = List.of(InspectCommand.class, ForwardCommand.class,
            ClassifyCommand.class, CodesCommand.class, TrainHeadCommand.class, TransferCommand.class,
            FinetuneCommand.class, ProbeCommand.class, AdviseCommand.class, ReportCommand.class, WeightsCommand.class,
            ConvertImagesetCommand.class, CommandLine.HelpCommand.class);

    /** Exit status for an error in the work (bad input file, failed run). */
    public static final int EXIT_FAILURE = 1;
    /** Exit status for a malformed command line. */
    public static final int EXIT_USAGE = 2;

    @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
            description = "Print stack traces with errors, and more detail while working.")
    boolean verbose;

    public static void main(String[] args) {
        PrintWriter err = new PrintWriter(System.err, true);
        Thread.setDefaultUncaughtExceptionHandler(uncaughtHandler(err, verbose(args), System::exit));
        if (!"false".equalsIgnoreCase(System.getProperty("cortado.warmup.early"))) {
            EarlyWarmUp.startFor(args);
        }
        System.exit(run(args, new PrintWriter(System.out, true), err));
    }

    /**
     * What a thread that dies of an uncaught throwable does: it took some of the command's work with it, so it says
     * so in one line and ends the process with {@link #EXIT_FAILURE} through {@code exit}.
     */
    static Thread.UncaughtExceptionHandler uncaughtHandler(PrintWriter err, boolean verbose, IntConsumer exit) {
        return (thread, ex) -> {
            report(err, "cortado", ex, verbose, "in thread '" + thread.getName() + "': ");
            exit.accept(EXIT_FAILURE);
        };
    }

    /** Runs the command line and returns the exit status, writing to the given streams (for tests). */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        return execute(commandLine(new Main(), out, err, subcommandsFor(args)), args);
    }

    /**
     * The subcommands to build for {@code args}: the one they name, or all of them when they name none or another
     * word (the top-level help lists them all, {@code help} looks them up, and an unknown word gets the same error
     * as before).
     */
    static List<Class<?>> subcommandsFor(String[] args) {
        String name = subcommand(args);
        for (Class<?> c : SUBCOMMANDS) {
            if (c != CommandLine.HelpCommand.class && c.getAnnotation(Command.class).name().equals(name)) {
                return List.of(c);
            }
        }
        return SUBCOMMANDS;
    }

    /**
     * The subcommand {@code args} name: the first argument that is not an option (those before a subcommand take no
     * value: --verbose, --help, --version), or null.
     */
    static String subcommand(String[] args) {
        for (String a : args) {
            if (!a.startsWith("-")) {
                return a;
            }
        }
        return null;
    }

    /**
     * Runs another program's command line ({@code root}: a picocli command whose name is the program's, such as the
     * Spark job's {@code cortado-spark}) with this one's handling of failures: one line on {@code err} naming the
     * program and subcommand, the stack trace with {@code --verbose}, the same exit statuses.
     */
    public static int run(Object root, String[] args, PrintWriter out, PrintWriter err) {
        return execute(commandLine(root, out, err), args);
    }

    /** Runs {@code cli} (made by {@link #commandLine}) on {@code args}; whatever it throws becomes one line. */
    static int execute(CommandLine cli, String[] args) {
        try {
            return cli.execute(args);
        } catch (Throwable e) {
            // Outside the command (parsing, a handler): the command line is all there is to go by.
            return report(cli.getErr(), "", e, verbose(args), "", program(cli));
        }
    }

    /** The command line, writing to the given streams, with the handlers that make every failure one line. */
    static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        return commandLine(new Main(), out, err, SUBCOMMANDS);
    }

    private static CommandLine commandLine(Object root, PrintWriter out, PrintWriter err) {
        return commandLine(root, out, err, List.of());
    }

    /**
     * {@code root}'s command line, with {@code subcommands} added before the streams and handlers: picocli sets those
     * on the subcommands present at the time.
     */
    private static CommandLine commandLine(Object root, PrintWriter out, PrintWriter err,
            List<Class<?>> subcommands) {
        CommandLine cli = new CommandLine(root);
        for (Class<?> c : subcommands) {
            cli.addSubcommand(c);
        }
        String program = program(cli);
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionStrategy(parsed -> {
            // What the engine's libraries say (an auto device falling back, which JPEG decoder serves this
            // process with --verbose) comes out on the command's error stream as the command's own lines do.
            try (LibraryMessages messages = LibraryMessages.to(err, verbose(parsed))) {
                return new CommandLine.RunLast().execute(parsed);
            } catch (Error e) {
                // picocli hands Exceptions to the handler below and lets Errors through.
                List<CommandLine> chain = parsed.asCommandLineList();
                return report(err, commandPath(chain.get(chain.size() - 1)), e, verbose(parsed), "", program);
            }
        });
        cli.setExecutionExceptionHandler((ex, cmd, parsed) -> report(err, commandPath(cmd), ex, verbose(parsed),
                "", program));
        cli.setParameterExceptionHandler((ex, argv) -> {
            String path = commandPath(ex.getCommandLine());
            ex.getCommandLine().getErr().println(program + ": " + ex.getMessage()
                    + " (see: " + program + " " + (path.isEmpty() ? "" : path + " ") + "--help)");
            return EXIT_USAGE;
        });
        return cli;
    }

    /**
     * Prints {@code ex} as one line for {@code command} (its path below {@code cortado}, e.g. "weights fetch"; empty
     * for the top level), the stack trace after it when verbose; returns the exit status.
     */
    static int report(PrintWriter err, String command, Throwable ex, boolean verbose, String where) {
        return report(err, command, ex, verbose, where, "cortado");
    }

    private static int report(PrintWriter err, String command, Throwable ex, boolean verbose, String where,
            String program) {
        String prefix = command.isEmpty() || program.equals(command) ? program + ": " : program + " " + command + ": ";
        err.println(prefix + where + Errors.oneLine(ex));
        if (verbose) {
            ex.printStackTrace(err);
        }
        err.flush();
        return EXIT_FAILURE;
    }

    private static boolean verbose(String[] args) {
        return Arrays.asList(args).contains("--verbose");
    }

    private static boolean verbose(CommandLine.ParseResult parsed) {
        return parsed.asCommandLineList().stream()
                .anyMatch(c -> c.getParseResult() != null && c.getParseResult().hasMatchedOption("--verbose"));
    }

    /** The subcommand's path below {@code cortado} ("weights fetch"), empty for {@code cortado} itself. */
    private static String commandPath(CommandLine cmd) {
        String path = cmd.getCommandSpec().qualifiedName(" ");
        return path.indexOf(' ') < 0 ? "" : path.substring(path.indexOf(' ') + 1);
    }

    /** The program's name: its root command's. */
    private static String program(CommandLine cli) {
        return cli.getCommandSpec().root().name();
    }

    /** The version from the jar's manifest, or "development" when run from classes. */
    public static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"cortado " + Errors.engineVersion()};
        }
    }
}

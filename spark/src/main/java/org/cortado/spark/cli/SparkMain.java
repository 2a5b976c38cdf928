package org.cortado.spark.cli;

import java.io.PrintWriter;
import org.cortado.cli.Main;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cortado-spark}: the fixed-feature-extractor recipe on Apache Spark. {@code transfer} takes the options of
 * {@code cortado transfer} and writes the same report; {@code codes} writes codes as Parquet; {@code classify}
 * predicts a folder of images with a pipeline that {@code transfer --pipeline} saved. Failures end as the CLI's do:
 * one line naming the command, the stack trace with {@code --verbose}.
 */
@Command(name = "cortado-spark", mixinStandardHelpOptions = true, versionProvider = SparkMain.Version.class,
        description = "Transfer learning with pretrained Caffe ConvNets on Apache Spark.",
        subcommands = {SparkTransferCommand.class, SparkCodesCommand.class, SparkClassifyCommand.class,
                CommandLine.HelpCommand.class})
public final class SparkMain {
    @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
            description = "Print stack traces with errors.")
    boolean verbose;

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the command line and returns the exit status (for tests). */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        return Main.run(new SparkMain(), args, out, err);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new Main.Version().getVersion();
        }
    }
}

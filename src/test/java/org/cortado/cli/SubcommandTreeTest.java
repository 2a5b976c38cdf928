package org.cortado.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** A run builds picocli's model of the subcommand it names only, and behaves as with the whole tree. */
class SubcommandTreeTest {
    @Test
    void aNamedSubcommandIsBuiltAlone() {
        assertEquals(List.of(ForwardCommand.class),
                Main.subcommandsFor(new String[] {"--verbose", "forward", "--model", "m.prototxt"}));
        assertEquals(List.of(WeightsCommand.class), Main.subcommandsFor(new String[] {"weights", "list"}));
    }

    @Test
    void otherwiseTheWholeTreeIsBuilt() {
        for (String[] args : new String[][] {{}, {"--help"}, {"--version"}, {"help", "forward"}, {"forwrd"}}) {
            assertEquals(Main.SUBCOMMANDS, Main.subcommandsFor(args), String.join(" ", args));
        }
    }

    @Test
    void everySubcommandPrintsTheSameHelpAloneAsInTheWholeTree() {
        for (Class<?> c : Main.SUBCOMMANDS) {
            if (c == CommandLine.HelpCommand.class) {
                continue;
            }
            String name = c.getAnnotation(CommandLine.Command.class).name();
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            CommandLine whole = Main.commandLine(new PrintWriter(out, true), new PrintWriter(err, true));
            int status = Main.execute(whole, new String[] {name, "--help"});
            CliTestSupport.Result alone = CliTestSupport.run(name, "--help");
            assertEquals(status, alone.status(), name);
            assertEquals(out.toString(), alone.out(), name);
            assertTrue(alone.out().contains("--verbose"), name + ": the inherited option is listed");
        }
    }

    @Test
    void aBadOptionOfANamedSubcommandIsOneUsageLine() {
        CliTestSupport.Result r = CliTestSupport.run("inspect", "--no-such-option");
        assertEquals(Main.EXIT_USAGE, r.status(), r.toString());
        assertEquals(1, r.err().lines().count(), r.toString());
        assertTrue(r.err().startsWith("cortado: ") && r.err().contains("cortado inspect --help"), r.toString());
    }
}

package org.cortado.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.cortado.report.HtmlReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cortado report}: saved JSON reports to one self-contained HTML page, side by side when several. */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Render saved JSON reports (transfer, train-head, finetune, probe, advise; any other as a table of"
                + " its values) as one self-contained HTML page, side by side when several are given.")
final class ReportCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "REPORT.json", description = "The reports.")
    List<Path> reports;

    @Mixin
    ReportOutput output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (output.html == null) {
            throw new IllegalArgumentException("give --html FILE: the page to write");
        }
        List<HtmlReport.Source> sources = new ArrayList<>();
        for (Path r : reports) {
            sources.add(HtmlReport.read(r));
        }
        PrintWriter err = spec.commandLine().getErr();
        List<String> warnings = HtmlReport.write(output.html, sources, output.options());
        warnings.forEach(w -> err.println("warning: " + w));
        spec.commandLine().getOut().println("html -> " + output.html);
        return 0;
    }
}

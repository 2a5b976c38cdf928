package org.cortado.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.cortado.weights.Fetcher;
import org.cortado.weights.Manifest;
import org.cortado.weights.ModelEntry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cortado weights list|fetch}: the Model Zoo models of the weights manifest. */
@Command(name = "weights", mixinStandardHelpOptions = true,
        description = "The Model Zoo models cortado knows (weights/manifest.json): list them, or fetch one's"
                + " caffemodel.",
        subcommands = {WeightsCommand.ListCommand.class, WeightsCommand.FetchCommand.class})
final class WeightsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return Main.EXIT_USAGE;
    }

    /** {@code weights list}. */
    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "List the models of the manifest: input and resize sizes, code layer, size, checksum, licence.")
    static final class ListCommand implements Callable<Integer> {
        @Mixin
        ManifestOption manifest;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            Manifest m = manifest.read();
            Path here = Path.of("").toAbsolutePath();
            out.printf("models in %s%n", manifest.path().map(Path::toAbsolutePath)
                    .map(file -> file.startsWith(here) ? here.relativize(file).toString() : file.toString())
                    .orElse(Manifest.BUNDLED_SOURCE));
            out.printf("%-24s %-8s %-8s %-26s %-9s %-8s %s%n", "name", "input", "resize", "code layer", "size",
                    "checksum", "licence");
            for (ModelEntry e : m.models()) {
                ModelEntry.CodeLayer c = e.codeLayer();
                out.printf("%-24s %-8s %-8s %-26s %-9s %-8s %s%n", e.name(),
                        e.input().height() + "x" + e.input().width(),
                        e.input().resizeHeight() + "x" + e.input().resizeWidth(),
                        c.layer() + " (" + c.dim() + ")",
                        e.size() == null ? "?" : String.format("%.1f MB", e.size() / 1e6), e.checksum().algorithm(),
                        e.license());
            }
            return 0;
        }
    }

    /** {@code weights fetch NAME}. */
    @Command(name = "fetch", mixinStandardHelpOptions = true,
            description = "Download a model's caffemodel with progress, resuming a partial download, verifying its"
                    + " size and checksum and writing it atomically (NAME.caffemodel appears only when complete and"
                    + " verified). Mirrors are tried in turn; a plain-http URL is tried as https first.")
    static final class FetchCommand implements Callable<Integer> {
        @Mixin
        ManifestOption manifest;

        @Parameters(paramLabel = "NAME", description = "The model's name (see: cortado weights list).")
        String name;

        @Option(names = "--dir", defaultValue = ".", paramLabel = "DIR",
                description = "Where to save it (created). Default: the current folder.")
        Path dir;

        @Option(names = "--quiet", description = "No progress line.")
        boolean quiet;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            ModelEntry entry = manifest.read().get(name);
            // Notes (a mirror given up, https falling back to http) go to standard output, so that a failure stays one
            // line on standard error.
            Fetcher.Result r = Fetcher.withProgress(entry.caffemodel(), quiet, note -> out.println("note: " + note))
                    .fetch(entry, dir);
            if (r.alreadyPresent()) {
                out.printf("%s: already present and verified (%s)%n", r.file(), entry.checksum().algorithm());
            } else {
                out.printf("%s: downloaded from %s%s, %s verified%n", r.file(), r.url(),
                        r.resumedFrom() > 0 ? " (resumed after " + r.resumedFrom() + " bytes)" : "",
                        entry.checksum().algorithm());
            }
            return 0;
        }
    }
}

package org.cortado.report;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.regex.Pattern;
import org.cortado.weights.Fetcher;

/**
 * The {@code provenance} object the command line adds to every report: how to run it again (command line, working
 * directory), with what (engine, Java, operating system), on what (model and weights with their SHA-1), and when.
 */
public final class RunProvenance {
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_./:=,+@%-]+");

    private RunProvenance() {
    }

    /**
     * @param args        the command line's arguments after {@code cortado}
     * @param engine      the engine's name and version
     * @param model       the deploy prototxt, or null
     * @param weights     the caffemodel, or null
     * @param weightsSha1 the caffemodel's SHA-1 when already known (null: computed here, from the file)
     */
    public static ObjectNode of(List<String> args, String engine, Path model, Path weights, String weightsSha1) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("command_line", commandLine(args));
        o.put("working_directory", Path.of("").toAbsolutePath().toString());
        o.put("engine", engine);
        o.put("java", System.getProperty("java.vendor") + " " + System.getProperty("java.version"));
        o.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        o.put("written", Instant.now().toString());
        if (model != null) {
            o.put("model", model.toString());
            o.put("model_sha1", sha1(model));
        }
        if (weights != null) {
            o.put("weights", weights.toString());
            o.put("weights_sha1", weightsSha1 != null ? weightsSha1 : sha1(weights));
        }
        return o;
    }

    /** The arguments as one line a POSIX shell runs again: words with anything special single-quoted. */
    static String commandLine(List<String> args) {
        StringBuilder s = new StringBuilder("cortado");
        for (String a : args) {
            s.append(' ').append(PLAIN.matcher(a).matches() ? a : "'" + a.replace("'", "'\\''") + "'");
        }
        return s.toString();
    }

    private static String sha1(Path file) {
        try {
            return Files.isRegularFile(file) ? Fetcher.digest(file, "SHA-1") : null;
        } catch (IOException e) {
            return null;
        }
    }
}

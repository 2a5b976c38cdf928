package org.cortado.io;

import java.nio.file.Path;

/**
 * A report as the command line writes it: one JSON object, whose fields docs/reports.md and the report's own
 * documentation describe. Immutable; how it is built (a JSON library) is not part of the API.
 */
public interface JsonReport {
    /** The report as pretty-printed JSON text, exactly as {@link #writeTo} writes it. */
    String toJson();

    /** Writes the report to {@code file} (its folder made when missing), atomically: whole or not at all. */
    void writeTo(Path file);
}

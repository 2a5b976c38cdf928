package org.cortado.data;

import java.nio.file.Path;

/** An image left out of a run, with the reason in a few words (reported, never dropped silently). */
public record Skipped(Path file, String reason) implements FileNote {
    @Override
    public String toString() {
        return file + ": " + reason;
    }
}

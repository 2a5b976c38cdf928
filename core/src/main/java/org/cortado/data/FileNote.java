package org.cortado.data;

import java.nio.file.Path;

/**
 * An image file of a data set with a few words about it, as the reports list them: {@code {"file", "reason"}}
 * objects in their {@code skipped} and {@code warnings} arrays.
 */
public interface FileNote {
    Path file();

    String reason();
}

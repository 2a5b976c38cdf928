package org.cortado.report;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** What rendering one page needs besides the report: the options, page-unique ids, and what could not be shown. */
final class RenderContext {
    private final HtmlReport.Options options;
    private final Path reportFile;
    private final List<String> warnings;
    private final int[] ids;

    RenderContext(HtmlReport.Options options, Path reportFile, List<String> warnings, int[] ids) {
        this.options = options;
        this.reportFile = reportFile;
        this.warnings = warnings;
        this.ids = ids;
    }

    HtmlReport.Options options() {
        return options;
    }

    /** An id no other element of the page has. */
    String id(String prefix) {
        return prefix + "-" + ++ids[0];
    }

    /** Notes something the page could not show (printed by the command, and said on the page itself). */
    void warn(String message) {
        warnings.add(message);
    }

    /**
     * A file named in the report: as written when it exists (a path relative to where the run was started, when
     * rendered from there), else relative to the report's folder (a report moved together with its files).
     */
    Path resolve(String file) {
        Path p = Path.of(file);
        if (Files.exists(p) || p.isAbsolute() || reportFile == null) {
            return p;
        }
        Path dir = reportFile.toAbsolutePath().getParent();
        Path beside = dir == null ? p : dir.resolve(p);
        return Files.exists(beside) ? beside : p;
    }
}

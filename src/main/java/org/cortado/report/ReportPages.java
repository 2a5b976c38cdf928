package org.cortado.report;

import java.util.List;

/** The kinds of report the renderer knows, most specific first; the generic page takes any JSON object. */
final class ReportPages {
    static final List<ReportPage> KINDS = List.of(new FinetunePage(), new HeadPage(), new AdvisePage(),
            new ProbePage(), new GenericPage());

    private ReportPages() {
    }

    static ReportPage of(ReportJson r) {
        return KINDS.stream().filter(k -> k.accepts(r)).findFirst().orElseThrow();
    }
}

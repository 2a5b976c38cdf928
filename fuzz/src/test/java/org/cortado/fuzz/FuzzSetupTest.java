package org.cortado.fuzz;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the harness counts as a finding when a target ends. */
class FuzzSetupTest {
    @TempDir
    Path work;

    private String before;

    @AfterEach
    void restore() {
        if (before == null) {
            System.clearProperty(FuzzSetup.WORK_PROPERTY);
        } else {
            System.setProperty(FuzzSetup.WORK_PROPERTY, before);
        }
    }

    private FuzzSetup prepare() throws Exception {
        before = System.getProperty(FuzzSetup.WORK_PROPERTY);
        System.setProperty(FuzzSetup.WORK_PROPERTY, work.toString());
        return FuzzSetup.prepare(FuzzSetupTest.class, List.of());
    }

    private Path findings() {
        return work.resolve(FuzzSetupTest.class.getSimpleName()).resolve("findings");
    }

    @Test
    void aSlowUnitIsNamedButIsNoFinding() throws Exception {
        FuzzSetup setup = prepare();
        Files.write(findings().resolve("slow-unit-0cf8fd35"), new byte[] {'G', 'I', 'F'});
        assertDoesNotThrow(setup::report);
    }

    @Test
    void aCrashTimeoutOrOomInputFailsTheTarget() throws Exception {
        for (String name : List.of("crash-1a2b", "timeout-3c4d", "oom-5e6f")) {
            FuzzSetup setup = prepare();
            Files.write(findings().resolve(name), new byte[] {1});
            AssertionError e = assertThrows(AssertionError.class, setup::report, name);
            assertTrue(e.getMessage().contains(name), e.getMessage());
            Files.delete(findings().resolve(name));
        }
    }

    @Test
    void findingsOfAnEarlierRunDoNotFailThisOne() throws Exception {
        Files.createDirectories(findings());
        Files.write(findings().resolve("crash-earlier"), new byte[] {1});
        assertDoesNotThrow(prepare()::report);
    }
}

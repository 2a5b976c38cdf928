package org.cortado.finetune;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.cortado.backend.cpu.CpuBackend;
import org.junit.jupiter.api.Test;

/** The backend's F(4x4) Winograd switch is part of a run's fingerprint, and a mismatch says how to match it. */
class FingerprintTest {
    @Test
    void theCpuBackendReportsItsWinogradF4Switch() {
        assertEquals("off", new CpuBackend(1).numerics().get("winograd_f4"));
    }

    @Test
    void aSnapshotWithoutF4IsRefusedWithHowToMatch() {
        Map<String, Object> now = Map.of("winograd_f4", "on");
        assertEquals(List.of("snapshot was made with F(4x4) Winograd off, this run has it on "
                + "(-Dcortado.winograd.f4=false to match)"), Fingerprint.differences(Map.of(), now));
        // A snapshot from before the switch existed was made without F(4x4): it matches a run with the default.
        assertEquals(List.of(), Fingerprint.differences(Map.of(), Map.of("winograd_f4", "off")));
        assertEquals(List.of("snapshot was made with F(4x4) Winograd on, this run has it off "
                + "(-Dcortado.winograd.f4=true to match)"),
                Fingerprint.differences(Map.of("winograd_f4", "on"), Map.of("winograd_f4", "off")));
        assertEquals(List.of(), Fingerprint.differences(Map.of("winograd_f4", "on"), now));
    }
}

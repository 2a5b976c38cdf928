package org.cortado.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Which command lines start the CPU warm-up as the JVM starts. */
class EarlyWarmUpTest {
    private static boolean wanted(String... args) {
        return EarlyWarmUp.wanted(args);
    }

    @Test
    void forwardAndClassifyOnTheCpu() {
        assertTrue(wanted("forward", "--model", "m.prototxt", "--input", "x.npy"));
        assertTrue(wanted("--verbose", "classify", "--model", "m.prototxt", "a.png"));
        assertTrue(wanted("forward", "--device", "cpu", "--model", "m.prototxt"));
        assertTrue(wanted("classify", "--device=cpu", "a.png"));
    }

    @Test
    void notOnAGpuOrAnAutomaticDevice() {
        assertFalse(wanted("forward", "--device", "gpu", "--model", "m.prototxt"));
        assertFalse(wanted("forward", "--device=gpu:1"));
        assertFalse(wanted("classify", "--device", "auto", "a.png"));
        assertFalse(wanted("forward", "--device"), "a --device without its value: picocli refuses the line");
    }

    @Test
    void notForOtherCommands() {
        // The long runs start it with their backend; the others run no net.
        assertFalse(wanted("inspect", "--model", "forward"));
        assertFalse(wanted("transfer", "--model", "m.prototxt"));
        assertFalse(wanted("--help"));
        assertFalse(wanted());
    }
}

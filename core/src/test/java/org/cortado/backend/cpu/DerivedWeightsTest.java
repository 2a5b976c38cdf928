package org.cortado.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** When {@link DerivedWeights} derives, what it keeps, and that weights at a new stamp are never served a stale form. */
class DerivedWeightsTest {
    private final DerivedWeights derived = new DerivedWeights();
    private final AtomicInteger derivations = new AtomicInteger();

    /** A form that records how often it was made: a copy of the weights, doubled. */
    private Supplier<float[]> doubled(float[] w) {
        return () -> {
            derivations.incrementAndGet();
            float[] out = new float[w.length];
            for (int i = 0; i < w.length; i++) {
                out[i] = 2 * w[i];
            }
            return out;
        };
    }

    /** One call's lookup, as a convolution makes it: the stamp first, then the form. */
    private float[] call(float[] w, long stamp, int length, Object settings) {
        derived.track(w, stamp);
        return derived.get(w, 0, length, settings, doubled(w));
    }

    @Test
    void aFormIsKeptFromTheSecondCallOnAndServedWhileTheStampStays() {
        float[] w = {1, 2, 3};
        float[] first = call(w, 7, 3, "s");
        assertEquals(0, derived.size(), "one call keeps nothing: a one-shot pass holds no form of its weights");
        float[] second = call(w, 7, 3, "s");
        assertNotSame(first, second);
        assertEquals(1, derived.size());
        assertSame(second, call(w, 7, 3, "s"));
        assertSame(second, call(w, 7, 3, "s"));
        assertEquals(2, derivations.get());
    }

    @Test
    void aNewStampOrNewSettingsAreDerivedAgain() {
        float[] w = {1, 2, 3};
        call(w, 7, 3, "s");
        call(w, 7, 3, "s");
        w[2] = 5;                                        // in place, as a solver step writes, under a new stamp
        assertEquals(10f, call(w, 8, 3, "s")[2]);
        assertEquals(0, derived.size(), "the old stamp's form is dropped, the new one's not kept yet");
        assertEquals(10f, call(w, 8, 3, "s")[2]);
        assertEquals(4, derivations.get(), "the new stamp's form is kept from its second call");
        assertEquals(1, derived.size());
        call(w, 8, 3, "other settings");
        assertEquals(5, derivations.get());
        call(w, 8, 2, "s");                              // another range of the same array
        assertEquals(6, derivations.get());
        assertEquals(0, derived.size(), "a new key is a first call again: nothing kept");
    }

    @Test
    void uncountedOrUntrackedWeightsAreDerivedAtEveryCallAndNothingIsKept() {
        float[] w = {1, 2, 3};
        call(w, 7, 3, "s");
        call(w, 7, 3, "s");
        assertEquals(1, derived.size());
        for (int i = 0; i < 3; i++) {
            w[0] = i;                                    // a reused buffer, rewritten between calls
            assertEquals(2f * i, call(w, DerivedWeights.UNCOUNTED, 3, "s")[0]);
        }
        assertEquals(5, derivations.get());
        assertEquals(0, derived.size(), "UNCOUNTED drops what was kept");
        float[] never = {4};
        derived.get(never, 0, 1, "s", doubled(never));
        derived.get(never, 0, 1, "s", doubled(never));
        assertEquals(7, derivations.get(), "an array never tracked is derived every time");
        assertEquals(0, derived.size());
    }
}

package org.cortado.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** When {@link DerivedWeights} derives, what it keeps, and that a changed weight is never served a stale form. */
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

    @Test
    void aFormIsKeptFromTheSecondCallOnAndServedWhileTheWeightsStayTheSame() {
        float[] w = {1, 2, 3};
        float[] first = derived.get(w, 0, 3, "s", doubled(w));
        assertEquals(0, derived.size(), "one call keeps nothing: a one-shot pass holds no copy of its weights");
        float[] second = derived.get(w, 0, 3, "s", doubled(w));
        assertNotSame(first, second);
        assertEquals(1, derived.size());
        assertSame(second, derived.get(w, 0, 3, "s", doubled(w)));
        assertSame(second, derived.get(w, 0, 3, "s", doubled(w)));
        assertEquals(2, derivations.get());
    }

    @Test
    void changedWeightsOrSettingsAreDerivedAgain() {
        float[] w = {1, 2, 3};
        derived.get(w, 0, 3, "s", doubled(w));
        derived.get(w, 0, 3, "s", doubled(w));
        w[2] = 5;                                        // in place, as a solver step writes
        assertEquals(10f, derived.get(w, 0, 3, "s", doubled(w))[2]);
        assertEquals(10f, derived.get(w, 0, 3, "s", doubled(w))[2]);
        assertEquals(3, derivations.get(), "the changed weights' form is kept again");
        derived.get(w, 0, 3, "other settings", doubled(w));
        assertEquals(4, derivations.get());
        derived.get(w, 0, 2, "s", doubled(w));          // another range of the same array
        assertEquals(5, derivations.get());
        assertEquals(0, derived.size(), "a new key is a first call again: nothing kept");
    }
}

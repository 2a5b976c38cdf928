package org.cortado.backend.cpu;

import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.function.Supplier;

/**
 * Forms derived from a layer's weights (GEMM-packed, Winograd-transformed) kept from one call to the next while the
 * weights stay the same. At batch 1 deriving them costs a quarter of a forward pass (AlexNet: the Winograd transforms
 * of conv3-5 alone a fifth), and inference calls a layer with the same weights again and again.
 *
 * <p>Nothing tells a backend that weights changed (solvers, weight loading, net surgery and user code write the
 * arrays directly), so every lookup compares the weights with a copy taken when the form was derived, bit for bit:
 * reading the weights twice costs a small fraction of deriving them, and a stale form can never be used. When the
 * weights change at every call (training), the comparison stops at the first element that differs, and the cost is
 * one copy of the weights next to the derivation.
 *
 * <p>Entries are keyed by the identity of the weight array and held weakly, so that they go with the net. The memory
 * cost is a copy of the weights plus the derived form, per weight array used in forward passes.
 */
final class DerivedWeights {
    /** What an entry was derived for: the range of the weight array read and a key of the derivation's settings. */
    private record Entry(int offset, int length, Object settings, float[] snapshot, Object derived) {
    }

    private final Map<float[], Entry> entries = Collections.synchronizedMap(new WeakHashMap<>());

    /**
     * The form that {@code derive} makes of {@code weights[offset, offset + length)} under {@code settings} (a value
     * with equals, e.g. a record of the geometry): the kept one when the same weights and settings were seen last
     * time for this array, else a fresh one, which is kept. {@code derive} must return arrays of its own, not
     * buffers that are reused.
     */
    @SuppressWarnings("unchecked")
    <T> T get(float[] weights, int offset, int length, Object settings, Supplier<T> derive) {
        Entry e = entries.get(weights);
        if (e != null && e.offset == offset && e.length == length && e.settings.equals(settings)
                && Arrays.equals(weights, offset, offset + length, e.snapshot, 0, length)) {
            return (T) e.derived;
        }
        T derived = derive.get();
        entries.put(weights, new Entry(offset, length, settings,
                Arrays.copyOfRange(weights, offset, offset + length), derived));
        return derived;
    }

    /** Entries currently kept (for tests). */
    int size() {
        return entries.size();
    }
}

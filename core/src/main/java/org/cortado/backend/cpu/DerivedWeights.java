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
 * <p>A form is kept from the second call with the same weight array and settings on: a process that runs each layer
 * once (a one-shot {@code forward}) would otherwise hold the copy and the derived form of every layer's weights to
 * the end for nothing (ResNet-50: about twice its 102 MB of weights; docs/performance.md, "The JVM's share"). The
 * price is one derivation more per layer in a process that runs a layer again.
 *
 * <p>Entries are keyed by the identity of the weight array and held weakly, so that they go with the net. The memory
 * cost is a copy of the weights plus the derived form, per weight array used in more than one forward pass.
 */
final class DerivedWeights {
    /** What was derived for an array: the range of the weight array read and a key of the derivation's settings. */
    private record Key(int offset, int length, Object settings) {
    }

    /** A kept form: its key, the weights it was derived from, and the form. */
    private record Entry(Key key, float[] snapshot, Object derived) {
    }

    /** Per weight array: a {@link Key} once derived a first time (nothing kept), an {@link Entry} from the second. */
    private final Map<float[], Object> entries = Collections.synchronizedMap(new WeakHashMap<>());

    /**
     * The form that {@code derive} makes of {@code weights[offset, offset + length)} under {@code settings} (a value
     * with equals, e.g. a record of the geometry): the kept one when the same weights and settings were seen last
     * time for this array, else a fresh one, which is kept if this array was derived under these settings before.
     * {@code derive} must return arrays of its own, not buffers that are reused.
     */
    @SuppressWarnings("unchecked")
    <T> T get(float[] weights, int offset, int length, Object settings, Supplier<T> derive) {
        Key key = new Key(offset, length, settings);
        Object seen = entries.get(weights);
        if (seen instanceof Entry e && e.key.equals(key)
                && Arrays.equals(weights, offset, offset + length, e.snapshot, 0, length)) {
            return (T) e.derived;
        }
        T derived = derive.get();
        boolean again = seen instanceof Entry e ? e.key.equals(key) : key.equals(seen);
        entries.put(weights, again
                ? new Entry(key, Arrays.copyOfRange(weights, offset, offset + length), derived)
                : key);
        return derived;
    }

    /** Forms currently kept (for tests). */
    int size() {
        synchronized (entries) {
            return (int) entries.values().stream().filter(v -> v instanceof Entry).count();
        }
    }
}

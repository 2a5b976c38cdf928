package org.cortado.backend.cpu;

import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.function.Supplier;

/**
 * Forms derived from a layer's weights (GEMM-packed, Winograd-transformed) kept from one call to the next while the
 * weights stay the same. At batch 1 deriving them costs a quarter of a forward pass (AlexNet: the Winograd transforms
 * of conv3-5 alone a fifth), and inference calls a layer with the same weights again and again.
 *
 * <p>Whether the weights stayed the same is told by their host buffer's write stamp
 * ({@link org.cortado.tensor.HostBuffer#writeStamp()}), which changes whenever the array is handed out for writing:
 * a solver step, weight loading, a fold, net surgery and user code all write through it. The caller passes the stamp
 * to {@link #track} before asking for forms; a form derived under another stamp is dropped there. So the check costs
 * O(1) per call, where comparing the weights with a copy cost a pass over both (about 8% of NIN's batch-1 pass;
 * bench/RESULTS.md, "Batch 1 beside OpenCV"). Weights whose writes nobody counts (a backward pass's flipped weights
 * in a reused buffer, direct calls) are tracked as {@link #UNCOUNTED}: derived at every call, nothing kept.
 *
 * <p>A form is kept from the second call with the same weight array, stamp and settings on: a process that runs each
 * layer once (a one-shot {@code forward}) would otherwise hold the derived form of every layer's weights to the end
 * for nothing (docs/performance.md, "The JVM's share"), and a training step, which writes the weights between calls,
 * keeps nothing. The price is one derivation more per layer in a process that runs a layer again.
 *
 * <p>Entries are keyed by the identity of the weight array and held weakly, so that they go with the net. The memory
 * cost is the derived form, per weight array used in more than one forward pass.
 */
final class DerivedWeights {
    /** The stamp of weights whose writes are not counted: never kept. */
    static final long UNCOUNTED = Long.MIN_VALUE;

    /** What was derived for an array: the range of the weight array read and a key of the derivation's settings. */
    private record Key(int offset, int length, Object settings) {
    }

    /**
     * Per weight array: the stamp its values are at ({@link #track}), the key last derived under that stamp, and the
     * form once derived a second time under both (null before).
     */
    private static final class Slot {
        final long stamp;
        Key key;
        Object kept;

        Slot(long stamp) {
            this.stamp = stamp;
        }
    }

    private final Map<float[], Slot> slots = Collections.synchronizedMap(new WeakHashMap<>());

    /**
     * Says that {@code weights} are at {@code stamp} (their buffer's write stamp, or {@link #UNCOUNTED}): the forms of
     * another stamp are dropped. Called before {@link #get} in every call that passes the array.
     */
    void track(float[] weights, long stamp) {
        if (stamp == UNCOUNTED) {
            slots.remove(weights);
            return;
        }
        Slot slot = slots.get(weights);
        if (slot == null || slot.stamp != stamp) {
            slots.put(weights, new Slot(stamp));
        }
    }

    /**
     * The form that {@code derive} makes of {@code weights[offset, offset + length)} under {@code settings} (a value
     * with equals, e.g. a record of the geometry): the kept one when it was derived under these settings at the stamp
     * last {@link #track tracked}, else a fresh one, kept if this array was derived under these settings and stamp
     * before. An array never tracked, or tracked {@link #UNCOUNTED}, is derived every time. {@code derive} must return
     * arrays of its own, not buffers that are reused.
     */
    @SuppressWarnings("unchecked")
    <T> T get(float[] weights, int offset, int length, Object settings, Supplier<T> derive) {
        Key key = new Key(offset, length, settings);
        Slot slot = slots.get(weights);
        if (slot == null) {
            return derive.get();
        }
        synchronized (slot) {
            if (slot.kept != null && key.equals(slot.key)) {
                return (T) slot.kept;
            }
        }
        T derived = derive.get();
        synchronized (slot) {
            if (key.equals(slot.key)) {
                slot.kept = derived;
            } else {
                slot.key = key;
                slot.kept = null;
            }
        }
        return derived;
    }

    /** Forms currently kept (for tests). */
    int size() {
        synchronized (slots) {
            return (int) slots.values().stream().filter(s -> s.kept != null).count();
        }
    }
}

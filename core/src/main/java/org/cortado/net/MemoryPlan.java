package org.cortado.net;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.cortado.backend.Backend;
import org.cortado.layers.InputLayer;
import org.cortado.layers.Layer;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * Where a net planned for inference keeps its activations. Tops that hold the same values share a storage (views,
 * a fused ReLU and its convolution, the identities of an {@link ExecutionPlan}, a layer writing over its input); a
 * storage lives from the layer that first writes it to its last reader, unless its value is kept or it is an input
 * (those have buffers of their own). Buffers pass from storage to storage as lifetimes end, in the order a pass
 * meets them: a storage takes the smallest free buffer of its size class, else a new one. Which size classes make the
 * fewest bytes depends on the net, so a few are tried and the best kept ({@link SizeClass}). The sharing is decided
 * once ({@link #of}); buffers are laid out and assigned at every reshape ({@link #assign}), as sizes follow the batch.
 *
 * <p>A layer writes over its input ({@link #inPlace}) where {@link Layer#forwardInPlace} allows it and nothing reads
 * that storage afterwards: no later reader of any top that shares it, no kept value, no input.
 */
final class MemoryPlan {
    private static final int NONE = -1;
    private static final int FOREVER = Integer.MAX_VALUE;

    /** Per layer, per top: its storage, or {@link #NONE} for a convolution that writes a concat's slice instead. */
    private final int[][] storageOf;
    /** Per storage: the top whose shape sizes it, the step its buffer is needed from and the last step it is read. */
    private final List<BlobRef> definer;
    private final List<Integer> acquireAt;
    private final List<Integer> releaseAfter;
    private final boolean[] inPlace;
    private final boolean poison;

    /** Assigned by {@link #assign}: each storage's tensor, the buffers, the tensors each step frees. */
    private Tensor[] tensorOf = new Tensor[0];
    private List<Tensor> buffers = List.of();
    private List<List<Tensor>> freedAfter = List.of();

    private MemoryPlan(int[][] storageOf, List<BlobRef> definer, List<Integer> acquireAt,
                       List<Integer> releaseAfter, boolean[] inPlace, boolean poison) {
        this.storageOf = storageOf;
        this.definer = definer;
        this.acquireAt = acquireAt;
        this.releaseAfter = releaseAfter;
        this.inPlace = inPlace;
        this.poison = poison;
    }

    /**
     * Decides which tops share storage under {@code plan} (its in-place layers are chosen here) and how long each
     * storage lives.
     *
     * @param kept       tops whose values must survive the pass
     * @param makesViews per layer, whether its tops are views of its first bottom (Flatten, Reshape, Split)
     * @param poison     fill each buffer with NaN once its last reader has run ({@link #afterLayer})
     */
    static MemoryPlan of(NetGraph graph, ExecutionPlan plan, Set<BlobRef> kept, boolean[] makesViews,
                         boolean poison) {
        Builder b = new Builder(graph, kept);
        for (int i = 0; i < graph.size(); i++) {
            Layer layer = graph.layer(i);
            for (int t = 0; t < layer.tops().size(); t++) {
                BlobRef top = new BlobRef(i, t);
                if (layer instanceof InputLayer) {
                    b.join(b.newStorage(top, i, i, true), top);
                } else if (plan.convOf(i) >= 0) {
                    b.join(b.storageOf[plan.convOf(i)][0], top);
                } else if (plan.identity(i) || makesViews[i]) {
                    b.join(b.storageOf(graph.bottoms(i).get(0)), top);
                } else if (plan.concatOf(i) >= 0) {
                    b.storageOf[i][t] = NONE;
                } else if (b.mayWriteOver(i)) {
                    b.inPlace[i] = true;
                    b.join(b.storageOf(graph.bottoms(i).get(0)), top);
                } else {
                    int from = plan.firstWriter(i) >= 0 ? plan.firstWriter(i) : i;
                    b.join(b.newStorage(top, from, i, false), top);
                }
            }
        }
        List<Integer> release = new ArrayList<>();
        for (int s = 0; s < b.definer.size(); s++) {
            release.add(b.kept.get(s) || b.pinned.get(s) ? FOREVER : b.lastRead.get(s));
        }
        return new MemoryPlan(b.storageOf, List.copyOf(b.definer), List.copyOf(b.acquireAt), List.copyOf(release),
                b.inPlace, poison);
    }

    /** The storages as they are found, layer by layer. */
    private static final class Builder {
        final NetGraph graph;
        final Set<BlobRef> keptTops;
        final int[][] storageOf;
        final boolean[] inPlace;
        final List<BlobRef> definer = new ArrayList<>();
        final List<Integer> acquireAt = new ArrayList<>();
        final List<Integer> lastRead = new ArrayList<>();
        final List<Boolean> kept = new ArrayList<>();
        final List<Boolean> pinned = new ArrayList<>();

        Builder(NetGraph graph, Set<BlobRef> keptTops) {
            this.graph = graph;
            this.keptTops = keptTops;
            this.storageOf = new int[graph.size()][];
            for (int i = 0; i < graph.size(); i++) {
                storageOf[i] = new int[graph.layer(i).tops().size()];
            }
            this.inPlace = new boolean[graph.size()];
        }

        int storageOf(BlobRef ref) {
            return storageOf[ref.layer()][ref.top()];
        }

        int newStorage(BlobRef top, int from, int producer, boolean input) {
            definer.add(top);
            acquireAt.add(from);
            lastRead.add(producer);
            kept.add(false);
            pinned.add(input);
            return definer.size() - 1;
        }

        /** {@code top} shares storage {@code s}, which then lives until {@code top}'s last reader too. */
        void join(int s, BlobRef top) {
            storageOf[top.layer()][top.top()] = s;
            if (s == NONE) {
                return;
            }
            for (int l = graph.size() - 1; l > top.layer(); l--) {
                if (graph.bottoms(l).contains(top)) {
                    lastRead.set(s, Math.max(lastRead.get(s), l));
                    break;
                }
            }
            if (keptTops.contains(top)) {
                kept.set(s, true);
            }
        }

        /** Whether layer {@code i} may write its one top over its one bottom's storage. */
        boolean mayWriteOver(int i) {
            Layer layer = graph.layer(i);
            if (!layer.forwardInPlace() || graph.bottoms(i).size() != 1 || layer.tops().size() != 1) {
                return false;
            }
            BlobRef bottom = graph.bottoms(i).get(0);
            int s = storageOf(bottom);
            return s != NONE && !kept.get(s) && !pinned.get(s) && lastRead.get(s) == i
                    && graph.shapeOf(bottom).equals(graph.topShapes(i).get(0));
        }
    }

    /**
     * Where each storage lives at the graph's current shapes: slots (buffers to be) and what each step frees.
     *
     * @param slotOf     per storage, its slot
     * @param capacities per slot, its length in floats
     * @param own        per slot, whether it is an input's or a kept value's (its storage's alone, for good)
     * @param freedAfter per step, the storages whose last reader it is
     */
    private record Layout(int[] slotOf, List<Integer> capacities, List<Boolean> own, List<List<Integer>> freedAfter) {
        long bytes() {
            long floats = 0;
            for (int c : capacities) {
                floats += c;
            }
            return floats * Float.BYTES;
        }
    }

    /**
     * How a free slot may serve a storage: one of at most {@code range} times its size, the smallest such; with
     * {@code grow}, where none does, the largest free slot grows to the storage's size rather than a new one being
     * added (a slot's size is the largest it serves).
     */
    private record SizeClass(long range, boolean grow) {
    }

    /** The rules tried: which wins depends on the net's sizes, and trying each costs a walk over the layers. */
    private static final List<SizeClass> SIZE_CLASSES = List.of(new SizeClass(2, false), new SizeClass(16, false),
            new SizeClass(16, true), new SizeClass(Long.MAX_VALUE, false), new SizeClass(Long.MAX_VALUE, true));

    /** The layout of the fewest bytes at the graph's current shapes. */
    private Layout layout(NetGraph graph) {
        Layout best = null;
        for (SizeClass rule : SIZE_CLASSES) {
            Layout l = layout(graph, rule);
            if (best == null || l.bytes() < best.bytes()) {
                best = l;
            }
        }
        return best;
    }

    /** Lays the storages out in slots at the graph's current shapes, as a pass meets them, by {@code rule}. */
    private Layout layout(NetGraph graph, SizeClass rule) {
        int storages = definer.size();
        int[] slotOf = new int[storages];
        List<Integer> capacities = new ArrayList<>();
        List<Boolean> own = new ArrayList<>();
        List<Integer> free = new ArrayList<>();
        List<List<Integer>> freedAfter = new ArrayList<>();
        for (int step = 0; step < graph.size(); step++) {
            for (int s = 0; s < storages; s++) {
                if (acquireAt.get(s) != step) {
                    continue;
                }
                int count = graph.shapeOf(definer.get(s)).count();
                boolean forGood = releaseAfter.get(s) == FOREVER;
                int slot = forGood ? -1 : take(free, capacities, count, rule);
                if (slot < 0) {
                    // An input or a kept value holds its slot for good: one of its own size, not a shared one.
                    slot = capacities.size();
                    capacities.add(count);
                    own.add(forGood);
                }
                slotOf[s] = slot;
            }
            List<Integer> freedHere = new ArrayList<>();
            for (int s = 0; s < storages; s++) {
                if (releaseAfter.get(s) == step) {
                    free.add(slotOf[s]);
                    freedHere.add(s);
                }
            }
            freedAfter.add(freedHere);
        }
        return new Layout(slotOf, capacities, own, freedAfter);
    }

    /** The free slot {@code rule} gives a storage of {@code count} floats (removed from {@code free}), or -1. */
    private static int take(List<Integer> free, List<Integer> capacities, int count, SizeClass rule) {
        int best = -1;
        int largest = -1;
        for (int k = 0; k < free.size(); k++) {
            int capacity = capacities.get(free.get(k));
            if (capacity >= count && capacity <= rule.range() * count
                    && (best < 0 || capacity < capacities.get(free.get(best)))) {
                best = k;
            }
            if (largest < 0 || capacity > capacities.get(free.get(largest))) {
                largest = k;
            }
        }
        if (best < 0 && rule.grow() && largest >= 0) {
            int slot = free.remove(largest);
            capacities.set(slot, Math.max(count, capacities.get(slot)));
            return slot;
        }
        return best < 0 ? -1 : free.remove(best);
    }

    /**
     * Gives every storage a buffer for the graph's current shapes, reusing the buffers of the last assignment where
     * they are large enough, and sets {@code tops} to the tensors each layer writes (null for a convolution that
     * writes a concat's slice). Modified: {@code tops}, this plan's buffers.
     */
    void assign(NetGraph graph, Backend backend, List<List<Tensor>> tops) {
        Layout layout = layout(graph);
        List<Tensor> old = new ArrayList<>(buffers);
        Tensor[] slots = new Tensor[layout.capacities().size()];
        for (int slot = 0; slot < slots.length; slot++) {
            int capacity = layout.capacities().get(slot);
            boolean own = layout.own().get(slot);
            Tensor reused = null;
            for (Tensor b : old) {
                // A value kept for good gets a buffer of its own size (its array is then the value alone).
                boolean fits = own ? b.count() == capacity : b.count() >= capacity;
                if (fits && (reused == null || b.count() < reused.count())) {
                    reused = b;
                }
            }
            if (reused != null) {
                old.remove(reused);
                slots[slot] = reused;
            } else {
                BlobRef first = firstIn(layout, slot);
                Layer layer = graph.layer(first.layer());
                slots[slot] = NetGraph.allocate(backend, layer, "top '" + layer.tops().get(first.top()) + "'",
                        own ? graph.shapeOf(first) : Shape.of(capacity));
            }
        }
        Tensor[] tensors = new Tensor[definer.size()];
        for (int s = 0; s < tensors.length; s++) {
            tensors[s] = new Tensor(graph.shapeOf(definer.get(s)), slots[layout.slotOf()[s]].buffer());
        }
        List<List<Tensor>> freed = new ArrayList<>();
        for (List<Integer> storages : layout.freedAfter()) {
            freed.add(storages.stream().map(s -> tensors[s]).toList());
        }
        buffers = List.of(slots);
        tensorOf = tensors;
        freedAfter = freed;
        for (int i = 0; i < graph.size(); i++) {
            for (int t = 0; t < storageOf[i].length; t++) {
                int s = storageOf[i][t];
                tops.get(i).set(t, s == NONE ? null : new Tensor(graph.topShapes(i).get(t), tensors[s].buffer()));
            }
        }
    }

    /** The top that first takes slot {@code slot}, to name it in an allocation error. */
    private BlobRef firstIn(Layout layout, int slot) {
        for (int s = 0; s < definer.size(); s++) {
            if (layout.slotOf()[s] == slot) {
                return definer.get(s);
            }
        }
        throw new IllegalStateException("slot " + slot + " holds no storage");
    }

    /** What follows layer {@code i} in a pass: with poisoning on, the buffers it was the last to read become NaN. */
    void afterLayer(int i, Backend backend) {
        if (poison) {
            for (Tensor t : freedAfter.get(i)) {
                backend.fill(t, Float.NaN);
            }
        }
    }

    /** Whether layer {@code i} writes its top over its bottom. */
    boolean[] inPlace() {
        return inPlace.clone();
    }

    /** The bytes of the buffers at the graph's current shapes: shared ones, inputs and kept values. */
    long bytes(NetGraph graph) {
        return layout(graph).bytes();
    }

    /** How many buffers the storages share at the graph's current shapes (inputs and kept values apart). */
    int sharedBuffers(NetGraph graph) {
        Layout layout = layout(graph);
        return (int) layout.own().stream().filter(own -> !own).count();
    }

    /** The tensor of top {@code ref}'s storage, as last assigned (null for a concat's writer). */
    Tensor tensorOf(BlobRef ref) {
        int s = storageOf[ref.layer()][ref.top()];
        return s == NONE ? null : tensorOf[s];
    }
}

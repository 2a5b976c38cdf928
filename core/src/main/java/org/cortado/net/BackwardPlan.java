package org.cortado.net;

import java.util.Arrays;
import java.util.List;
import org.cortado.layers.Layer;
import org.cortado.layers.Param;

/**
 * Which layers run backward and which of their bottoms get a gradient, by Caffe's rules (net.cpp Init): a blob needs
 * a gradient when its producer has a learned parameter or a bottom that needs one; a layer that does not lead to a
 * loss is pruned; labels and other bottoms a layer cannot propagate to get none. It depends on the learning-rate
 * multipliers, so a net derives it afresh for each training pass ({@link #of}), and freezing takes effect at once.
 * Immutable.
 */
final class BackwardPlan {
    /** Per layer, per bottom, whether that bottom gets a gradient; null for a layer pruned from backward. */
    private final boolean[][] bottomNeeds;

    private BackwardPlan(boolean[][] bottomNeeds) {
        this.bottomNeeds = bottomNeeds;
    }

    /** The plan for the graph's layers with their parameters' multipliers as they are now. */
    static BackwardPlan of(NetGraph graph) {
        int n = graph.size();
        boolean[][] blobNeeds = new boolean[n][];
        boolean[] layerNeeds = new boolean[n];
        boolean[][] bottomNeeds = new boolean[n][];
        for (int i = 0; i < n; i++) {
            Layer layer = graph.layer(i);
            List<BlobRef> refs = graph.bottoms(i);
            bottomNeeds[i] = new boolean[refs.size()];
            boolean needs = false;
            for (int b = 0; b < refs.size(); b++) {
                BlobRef r = refs.get(b);
                bottomNeeds[i][b] = blobNeeds[r.layer()][r.top()] && layer.canPropagateTo(b);
                needs |= bottomNeeds[i][b];
            }
            for (Param p : layer.params()) {
                needs |= p.isLearned();
            }
            layerNeeds[i] = needs;
            blobNeeds[i] = new boolean[layer.tops().size()];
            Arrays.fill(blobNeeds[i], needs);
        }
        boolean[][] underLoss = new boolean[n][];
        for (int i = 0; i < n; i++) {
            underLoss[i] = new boolean[graph.layer(i).tops().size()];
        }
        boolean[][] plan = new boolean[n][];
        for (int i = n - 1; i >= 0; i--) {
            Layer layer = graph.layer(i);
            boolean contributes = false;
            for (int t = 0; t < layer.tops().size(); t++) {
                contributes |= layer.lossWeight(t) != 0f || underLoss[i][t];
            }
            if (!contributes || !layerNeeds[i]) {
                continue;
            }
            for (BlobRef r : graph.bottoms(i)) {
                underLoss[r.layer()][r.top()] = true;
            }
            plan[i] = bottomNeeds[i];
        }
        return new BackwardPlan(plan);
    }

    /** Whether layer {@code i}'s backward runs. */
    boolean runs(int i) {
        return bottomNeeds[i] != null;
    }

    /** Whether bottom {@code b} of a layer {@code i} that {@link #runs} gets a gradient. */
    boolean needs(int i, int b) {
        return bottomNeeds[i][b];
    }
}

package org.cortado.finetune;

import java.util.ArrayList;
import java.util.List;
import org.cortado.layers.BatchNormLayer;
import org.cortado.layers.DropoutLayer;
import org.cortado.layers.InputLayer;
import org.cortado.layers.Layer;
import org.cortado.layers.Param;
import org.cortado.layers.Phase;
import org.cortado.net.Net;

/**
 * The leading layers of a training net that no training step changes: no learned parameter, and the same output
 * in training as in inference (no dropout, BatchNorm on stored statistics). On a given input their outputs are a
 * pure function of it, so when the input can take only a few values per image (its views: as transformed, and
 * mirrored), they can be computed once per view and reused every epoch with exactly the result of recomputing them.
 *
 * @param last     index of the last static layer (inputs count), -1 when there is none
 * @param crossing the blobs ({@code {layer, top}}) that static layers other than inputs produce and later layers
 *                 read: what a cache must hold
 */
record StaticPrefix(int last, List<int[]> crossing) {
    static StaticPrefix of(Net net) {
        List<Layer> layers = net.layers();
        int last = -1;
        for (int i = 0; i < layers.size() && isStatic(layers.get(i)); i++) {
            last = i;
        }
        List<int[]> crossing = new ArrayList<>();
        for (int j = last + 1; j < layers.size(); j++) {
            for (int b = 0; b < layers.get(j).bottoms().size(); b++) {
                int[] ref = net.producerOf(j, b);
                if (ref[0] <= last && !(layers.get(ref[0]) instanceof InputLayer)
                        && crossing.stream().noneMatch(c -> c[0] == ref[0] && c[1] == ref[1])) {
                    crossing.add(ref);
                }
            }
        }
        return new StaticPrefix(last, crossing);
    }

    private static boolean isStatic(Layer layer) {
        for (Param p : layer.params()) {
            if (p.isLearned()) {
                return false;
            }
        }
        if (layer instanceof DropoutLayer d) {
            return d.settings().ratio() == 0f;
        }
        if (layer instanceof BatchNormLayer bn) {
            return bn.usesGlobalStats(Phase.TRAIN);
        }
        return true;
    }

    /** Whether caching the crossing blobs saves work: some layer besides the inputs is static. */
    boolean worthCaching(Net net) {
        for (int i = 0; i <= last; i++) {
            if (!(net.layers().get(i) instanceof InputLayer)) {
                return !crossing.isEmpty();
            }
        }
        return false;
    }

    /** The first layer after the prefix. */
    String firstTrainedLayer(Net net) {
        return net.layers().get(last + 1).name();
    }
}

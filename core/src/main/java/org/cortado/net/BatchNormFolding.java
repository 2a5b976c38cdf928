package org.cortado.net;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.cortado.backend.Backend;
import org.cortado.layers.BatchNormLayer;
import org.cortado.layers.ConvolutionLayer;
import org.cortado.layers.Layer;
import org.cortado.layers.Phase;
import org.cortado.layers.ScaleLayer;

/**
 * Folds the per-channel affine layers that follow a convolution at inference (ResNet's BatchNorm with stored
 * statistics and its Scale) into the convolution's weights and bias, so that they run no pass of their own. A layer
 * folds when it alone reads the output before it, and when no output it changes is to be kept: the convolution's own
 * output and those of the layers folded before it become the last one's.
 */
final class BatchNormFolding {
    private BatchNormFolding() {
    }

    /**
     * Folds every such chain of {@code graph} on {@code backend}. Modified: the convolutions' parameters.
     *
     * @param kept    tops whose own values must stay as they are
     * @param inPlace whether the convolutions' weights may be overwritten ({@link ConvolutionLayer#foldChannelAffine})
     * @return per layer, whether it was folded (it is then the identity on its convolution's output)
     */
    static boolean[] fold(NetGraph graph, Backend backend, Set<BlobRef> kept, boolean inPlace) {
        boolean[] folded = new boolean[graph.size()];
        for (int c = 0; c < graph.size(); c++) {
            if (!(graph.layer(c) instanceof ConvolutionLayer conv)) {
                continue;
            }
            int k = conv.settings().numOutput();
            double[] scale = new double[k];
            double[] shift = new double[k];
            Arrays.fill(scale, 1.0);
            List<Integer> chain = new ArrayList<>();
            BlobRef end = new BlobRef(c, 0);
            while (!kept.contains(end)) {
                int r = soleReader(graph, end);
                float[][] affine = r < 0 ? null : channelAffine(graph.layer(r), backend, k);
                if (affine == null) {
                    break;
                }
                for (int ch = 0; ch < k; ch++) {
                    double b = affine[1] == null ? 0.0 : affine[1][ch];
                    scale[ch] *= affine[0][ch];
                    shift[ch] = shift[ch] * affine[0][ch] + b;
                }
                chain.add(r);
                end = new BlobRef(r, 0);
            }
            if (!chain.isEmpty()) {
                conv.foldChannelAffine(backend, scale, shift, inPlace);
                chain.forEach(r -> folded[r] = true);
            }
        }
        return folded;
    }

    /** The layer that alone reads {@code ref}, as its only bottom; else -1. */
    static int soleReader(NetGraph graph, BlobRef ref) {
        if (graph.readers(ref) != 1) {
            return -1;
        }
        for (int l = ref.layer() + 1; l < graph.size(); l++) {
            if (graph.bottoms(l).contains(ref)) {
                return graph.bottoms(l).size() == 1 ? l : -1;
            }
        }
        return -1;
    }

    /** {@code {scale, shift}} (shift may be null) of a layer that maps each of {@code k} channels affinely; else null. */
    private static float[][] channelAffine(Layer layer, Backend backend, int k) {
        float[][] affine = null;
        if (layer instanceof BatchNormLayer bn && bn.usesGlobalStats(Phase.TEST)) {
            affine = bn.storedAffine(backend);
        } else if (layer instanceof ScaleLayer scale) {
            affine = scale.channelAffine(backend);
        }
        return affine != null && affine[0].length == k ? affine : null;
    }
}

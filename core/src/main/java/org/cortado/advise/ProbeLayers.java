package org.cortado.advise;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.cortado.backend.Backend;
import org.cortado.caffe.proto.Caffe.LayerParameter;
import org.cortado.caffe.proto.Caffe.NetParameter;
import org.cortado.layers.Phase;
import org.cortado.net.Net;
import org.cortado.net.proto.NetProtos;
import org.cortado.tensor.Shape;

/**
 * The layers a layer sweep probes by default: the output of every block a user would consider, in depth order.
 *
 * <ul>
 *   <li>every Pooling layer that downsamples and keeps a spatial extent (a global pooling repeats the average of its
 *       bottom, which is probed instead; a stride-1 pooling inside an inception module is a branch, not the end of
 *       a block);</li>
 *   <li>every Concat and Eltwise layer (the end of an inception or fire module, a residual sum);</li>
 *   <li>every Convolution or InnerProduct followed by an in-place ReLU that ends a stage: its activated output goes
 *       on (through normalisation layers such as LRN) to no Convolution (inside a stage, one convolution feeds the
 *       next) and not only to blocks already listed (a pooling, a concat, a sum, which stand for it). That keeps
 *       CaffeNet's fc6 and fc7 (read by the next InnerProduct) and SqueezeNet's conv_final (read by a global
 *       pooling), and leaves out the squeeze and expand convolutions inside a fire module and AlexNet's conv1 before
 *       norm1 and pool1.</li>
 * </ul>
 * For SqueezeNet v1.0: pool1, fire2..fire4/concat, pool4, fire5..fire8/concat, pool8, fire9/concat, conv_final.
 */
public final class ProbeLayers {
    private static final Set<String> JOINS = Set.of("Concat", "Eltwise");
    private static final Set<String> LEARNED = Set.of("Convolution", "InnerProduct");
    /** Layers that reshape nothing and mix no positions: looked through when deciding where a stage ends. */
    private static final Set<String> PASS_THROUGH = Set.of("LRN", "BatchNorm", "Scale", "Dropout", "ReLU", "Power",
            "Bias");

    private ProbeLayers() {
    }

    /**
     * The default probe layers of {@code net} (a normalised TEST-phase definition), in depth order.
     *
     * @param backend where a zero-weight copy of the net is built once, at batch 1, for its shapes
     */
    static List<String> defaults(NetParameter net, Backend backend) {
        Net shapes = Net.build(NetProtos.ofNormalized(net, Phase.TEST), Phase.TEST, backend);
        String in = shapes.inputNames().get(0);
        shapes.setInputShape(in, shapes.inputShape(in).withDim(0, 1));
        List<LayerParameter> layers = net.getLayerList();
        boolean[] listed = new boolean[layers.size()];
        for (int i = 0; i < layers.size(); i++) {
            LayerParameter l = layers.get(i);
            if (l.getType().equals("Pooling")) {
                int at = shapes.indexOf(l.getName());
                Shape out = shapes.topShapesOf(at).get(0);
                Shape bottom = shapes.bottomsOf(at).get(0).shape();
                listed[i] = out.rank() == 4 && out.countFrom(2) > 1 && out.countFrom(2) < bottom.countFrom(2);
            } else {
                listed[i] = JOINS.contains(l.getType());
            }
        }
        for (int i = 0; i < layers.size(); i++) {
            listed[i] |= endsStage(layers, i, listed);
        }
        List<String> names = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            if (listed[i]) {
                names.add(layers.get(i).getName());
            }
        }
        return names;
    }

    /** Whether layer {@code i} is a ReLU'd Convolution or InnerProduct whose activated output ends a stage. */
    private static boolean endsStage(List<LayerParameter> layers, int i, boolean[] listed) {
        LayerParameter l = layers.get(i);
        if (!LEARNED.contains(l.getType()) || l.getTopCount() != 1) {
            return false;
        }
        String top = l.getTop(0);
        int j = i + 1;
        boolean relu = false;
        while (j < layers.size() && inPlaceOn(layers.get(j), top)) {
            relu |= layers.get(j).getType().equals("ReLU");
            j++;
        }
        if (!relu) {
            return false;
        }
        List<Integer> readers = new ArrayList<>();
        readers(layers, j, top, readers);
        boolean allListed = true;
        for (int r : readers) {
            if (layers.get(r).getType().equals("Convolution")) {
                return false;
            }
            allListed &= listed[r];
        }
        return readers.isEmpty() || !allListed;
    }

    /**
     * The layers from {@code from} on that read {@code blob} until a layer other than an in-place one writes that
     * name again; a normalisation or dropout layer (one bottom, one top) is looked through to its own readers.
     */
    private static void readers(List<LayerParameter> layers, int from, String blob, List<Integer> out) {
        for (int j = from; j < layers.size(); j++) {
            LayerParameter r = layers.get(j);
            if (r.getBottomList().contains(blob) && !inPlaceOn(r, blob)) {
                if (PASS_THROUGH.contains(r.getType()) && r.getTopCount() == 1) {
                    readers(layers, j + 1, r.getTop(0), out);
                } else {
                    out.add(j);
                }
            }
            if (r.getTopList().contains(blob) && !inPlaceOn(r, blob)) {
                return;   // the name is reused from here on
            }
        }
    }

    private static boolean inPlaceOn(LayerParameter l, String blob) {
        return l.getBottomCount() == 1 && l.getTopCount() == 1 && l.getBottom(0).equals(blob)
                && l.getTop(0).equals(blob);
    }
}

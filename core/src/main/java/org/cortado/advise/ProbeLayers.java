package org.cortado.advise;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.cortado.backend.Backend;
import org.cortado.caffe.proto.Caffe.LayerParameter;
import org.cortado.caffe.proto.Caffe.NetParameter;
import org.cortado.layers.Phase;
import org.cortado.net.Net;
import org.cortado.tensor.Shape;

/**
 * The layers a layer sweep probes by default: the output of every block a user would consider, in depth order.
 *
 * <ul>
 *   <li>every Pooling layer whose output keeps a spatial extent (a global pooling repeats the average of its bottom,
 *       which is probed instead);</li>
 *   <li>every Concat and Eltwise layer (the end of an inception or fire module, a residual sum);</li>
 *   <li>every Convolution or InnerProduct followed by an in-place ReLU that ends a stage: its activated output goes
 *       on to no Convolution (inside a stage, one convolution feeds the next) and not only to blocks already listed
 *       (a pooling, a concat, a sum, which stand for it). That keeps CaffeNet's fc6 and fc7 (read by the next
 *       InnerProduct) and SqueezeNet's conv_final (read by a global pooling), and leaves out the squeeze and expand
 *       convolutions inside a fire module and conv1 before pool1.</li>
 * </ul>
 * For SqueezeNet v1.0: pool1, fire2..fire4/concat, pool4, fire5..fire8/concat, pool8, fire9/concat, conv_final.
 */
public final class ProbeLayers {
    private static final Set<String> JOINS = Set.of("Concat", "Eltwise");
    private static final Set<String> LEARNED = Set.of("Convolution", "InnerProduct");

    private ProbeLayers() {
    }

    /**
     * The default probe layers of {@code net} (a normalised TEST-phase definition), in depth order.
     *
     * @param backend where a zero-weight copy of the net is built once, at batch 1, for its shapes
     */
    public static List<String> defaults(NetParameter net, Backend backend) {
        Net shapes = Net.build(net, Phase.TEST, backend);
        String in = shapes.inputNames().get(0);
        shapes.setInputShape(in, shapes.inputShape(in).withDim(0, 1));
        List<LayerParameter> layers = net.getLayerList();
        boolean[] listed = new boolean[layers.size()];
        for (int i = 0; i < layers.size(); i++) {
            LayerParameter l = layers.get(i);
            if (l.getType().equals("Pooling")) {
                Shape s = shapes.topShapesOf(shapes.indexOf(l.getName())).get(0);
                listed[i] = s.rank() == 4 && s.countFrom(2) > 1;
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
        boolean anyReader = false;
        boolean allListed = true;
        for (; j < layers.size(); j++) {
            LayerParameter r = layers.get(j);
            if (r.getBottomList().contains(top)) {
                if (r.getType().equals("Convolution")) {
                    return false;
                }
                anyReader = true;
                allListed &= listed[j];
            }
            if (r.getTopList().contains(top) && !inPlaceOn(r, top)) {
                break;   // the name is reused from here on
            }
        }
        return !anyReader || !allListed;
    }

    private static boolean inPlaceOn(LayerParameter l, String blob) {
        return l.getBottomCount() == 1 && l.getTopCount() == 1 && l.getBottom(0).equals(blob)
                && l.getTop(0).equals(blob);
    }
}

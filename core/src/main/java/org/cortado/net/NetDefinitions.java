package org.cortado.net;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.cortado.caffe.proto.Caffe.BlobShape;
import org.cortado.caffe.proto.Caffe.InputParameter;
import org.cortado.caffe.proto.Caffe.LayerParameter;
import org.cortado.caffe.proto.Caffe.NetParameter;
import org.cortado.caffe.proto.Caffe.NetStateRule;
import org.cortado.layers.NetDefinitionException;
import org.cortado.layers.Phase;

/** Transformations of a net definition before it is built: legacy inputs, phase filtering, truncation. */
final class NetDefinitions {
    private NetDefinitions() {
    }

    /**
     * Turns the legacy {@code input} + {@code input_dim} / {@code input_shape} net fields into an Input layer named
     * "input" placed first (Caffe's UpgradeNetInput), and keeps only the layers whose include/exclude rules admit
     * {@code phase} (Caffe's StateMeetsRule, at level 0 with no stages).
     */
    static NetParameter normalize(NetParameter def, Phase phase) {
        NetParameter.Builder out = def.toBuilder().clearLayer().clearInput().clearInputDim().clearInputShape();
        if (def.getInputCount() > 0) {
            out.addLayer(legacyInputLayer(def));
        } else if (def.getInputDimCount() > 0 || def.getInputShapeCount() > 0) {
            throw new NetDefinitionException("net '" + def.getName() + "': input_dim/input_shape given without input");
        }
        for (LayerParameter l : def.getLayerList()) {
            if (admits(l, phase)) {
                out.addLayer(l);
            }
        }
        return out.build();
    }

    private static LayerParameter legacyInputLayer(NetParameter def) {
        int n = def.getInputCount();
        InputParameter.Builder shapes = InputParameter.newBuilder();
        if (def.getInputShapeCount() > 0) {
            if (def.getInputShapeCount() != n) {
                throw new NetDefinitionException("net '" + def.getName() + "': " + n + " inputs but "
                        + def.getInputShapeCount() + " input_shape entries");
            }
            shapes.addAllShape(def.getInputShapeList());
        } else {
            if (def.getInputDimCount() != 4 * n) {
                throw new NetDefinitionException("net '" + def.getName() + "': " + n + " inputs need " + 4 * n
                        + " input_dim values, got " + def.getInputDimCount());
            }
            for (int i = 0; i < n; i++) {
                BlobShape.Builder s = BlobShape.newBuilder();
                for (int d = 0; d < 4; d++) {
                    s.addDim(def.getInputDim(4 * i + d));
                }
                shapes.addShape(s);
            }
        }
        return LayerParameter.newBuilder().setName("input").setType("Input").addAllTop(def.getInputList())
                .setInputParam(shapes).build();
    }

    /** Caffe's rule: excluded if any exclude rule matches; with include rules, included only if one matches. */
    static boolean admits(LayerParameter l, Phase phase) {
        if (l.getIncludeCount() > 0 && l.getExcludeCount() > 0) {
            throw new NetDefinitionException("layer '" + l.getName() + "': give include or exclude rules, not both");
        }
        if (l.getIncludeCount() > 0) {
            return l.getIncludeList().stream().anyMatch(r -> matches(r, phase));
        }
        return l.getExcludeList().stream().noneMatch(r -> matches(r, phase));
    }

    private static boolean matches(NetStateRule r, Phase phase) {
        if (r.hasPhase() && r.getPhase().getNumber() != (phase == Phase.TRAIN ? 0 : 1)) {
            return false;
        }
        if (r.hasMinLevel() && 0 < r.getMinLevel()) {
            return false;
        }
        if (r.hasMaxLevel() && 0 > r.getMaxLevel()) {
            return false;
        }
        // The net has no stages: a rule that requires one fails, one that forbids one holds.
        return r.getStageCount() == 0;
    }

    /**
     * The layers needed to compute layer {@code last}'s output, in order. With {@code withInPlaceFollowers}, the
     * layers after it that run in place on its top blob (its ReLU, its test-time Dropout) are kept too, so that the
     * blob holds its final, activated value: for CaffeNet, truncating at {@code fc7} keeps {@code relu7}.
     */
    static NetParameter truncateAfter(NetParameter def, String last, boolean withInPlaceFollowers) {
        List<LayerParameter> layers = def.getLayerList();
        int lastIndex = -1;
        for (int i = 0; i < layers.size(); i++) {
            if (layers.get(i).getName().equals(last)) {
                lastIndex = i;
            }
        }
        if (lastIndex < 0) {
            throw new NetDefinitionException("net '" + def.getName() + "' has no layer '" + last + "'");
        }
        int end = lastIndex;
        if (withInPlaceFollowers) {
            Set<String> tops = new HashSet<>(layers.get(lastIndex).getTopList());
            while (end + 1 < layers.size() && isInPlaceOn(layers.get(end + 1), tops)) {
                end++;
            }
        }
        // Walk backwards from the kept tail, keeping each layer that writes a blob someone kept reads.
        Set<String> needed = new HashSet<>();
        List<LayerParameter> kept = new ArrayList<>();
        for (int i = end; i >= 0; i--) {
            LayerParameter l = layers.get(i);
            boolean keep = i >= lastIndex || l.getTopList().stream().anyMatch(needed::contains);
            if (keep) {
                kept.add(0, l);
                needed.addAll(l.getBottomList());
            }
        }
        return def.toBuilder().clearLayer().addAllLayer(kept).build();
    }

    private static boolean isInPlaceOn(LayerParameter l, Set<String> blobs) {
        return l.getBottomCount() == 1 && l.getTopCount() == 1 && l.getBottom(0).equals(l.getTop(0))
                && blobs.contains(l.getTop(0));
    }
}

package org.cortado.advise;

import java.util.ArrayList;
import java.util.List;
import org.cortado.backend.Backend;
import org.cortado.caffe.proto.Caffe.NetParameter;
import org.cortado.layers.Layer;
import org.cortado.layers.Param;
import org.cortado.layers.Phase;
import org.cortado.net.Net;
import org.cortado.net.proto.NetProtos;

/**
 * How many parameters fine-tuning would train above each candidate freeze point: every parameter of the layers after
 * it, with the source classifier (the net's last layer with parameters) replaced by one with the new data's classes,
 * as {@code finetune --replace} does.
 */
public final class FreezePoints {
    /**
     * One candidate.
     *
     * @param layer           the layer frozen through ({@code --freeze-through})
     * @param paramsAbove     the parameters that would learn
     * @param imagesPerParam  training images per learning parameter
     */
    public record Point(String layer, long paramsAbove, double imagesPerParam) {
    }

    /**
     * The net's parameters, its classifier and the candidates.
     *
     * @param classifier      the source classifier (the last layer with parameters)
     * @param totalParams     every parameter of the net with the classifier replaced
     * @param classifierParams the replaced classifier's parameters
     * @param points          one per candidate, in the order given
     */
    public record Counts(String classifier, long totalParams, long classifierParams, List<Point> points) {
        /** The candidate frozen through {@code layer}. */
        public Point at(String layer) {
            return points.stream().filter(p -> p.layer().equals(layer)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("no freeze point '" + layer + "'"));
        }
    }

    private FreezePoints() {
    }

    /**
     * The counts for {@code candidates} of {@code net} (a normalised TEST-phase definition, built here with zero
     * weights for its shapes) with {@code classes} new classes and {@code images} training images.
     */
    static Counts of(NetParameter net, List<String> candidates, int classes, int images, Backend backend) {
        Net built = Net.build(NetProtos.ofNormalized(net, Phase.TEST), Phase.TEST, backend);
        List<Layer> layers = built.layers();
        int classifier = -1;
        for (int i = 0; i < layers.size(); i++) {
            if (!layers.get(i).params().isEmpty()) {
                classifier = i;
            }
        }
        if (classifier < 0) {
            throw new IllegalArgumentException("net '" + net.getName() + "' has no layer with parameters");
        }
        long[] own = new long[layers.size()];
        for (int i = 0; i < layers.size(); i++) {
            own[i] = i == classifier ? replaced(layers.get(i), classes) : count(layers.get(i));
        }
        long total = 0;
        for (long v : own) {
            total += v;
        }
        List<Point> points = new ArrayList<>();
        for (String layer : candidates) {
            long above = 0;
            for (int i = built.indexOf(layer) + 1; i < layers.size(); i++) {
                above += own[i];
            }
            points.add(new Point(layer, above, above == 0 ? Double.POSITIVE_INFINITY : (double) images / above));
        }
        return new Counts(layers.get(classifier).name(), total, own[classifier], List.copyOf(points));
    }

    private static long count(Layer layer) {
        long n = 0;
        for (Param p : layer.params()) {
            n += p.shape().count();
        }
        return n;
    }

    /** The parameters of {@code layer} with its outputs (the first axis of its first blob) set to {@code classes}. */
    private static long replaced(Layer layer, int classes) {
        long n = 0;
        for (Param p : layer.params()) {
            n += (long) p.shape().count() / p.shape().dim(0) * classes;
        }
        return n;
    }
}

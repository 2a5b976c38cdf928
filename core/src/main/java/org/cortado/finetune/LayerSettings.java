package org.cortado.finetune;

import java.util.ArrayList;
import java.util.List;
import org.cortado.layers.Layer;
import org.cortado.layers.Param;
import org.cortado.net.Net;

/**
 * How one layer with parameters was trained, for the report: its multipliers per parameter blob, and frozen when
 * none of them learns.
 */
public record LayerSettings(String name, String type, List<Float> lrMult, List<Float> decayMult, boolean frozen) {
    /** Every layer of {@code net} that has parameters, in the net's order. */
    static List<LayerSettings> of(Net net) {
        List<LayerSettings> out = new ArrayList<>();
        for (Layer layer : net.layers()) {
            if (layer.params().isEmpty()) {
                continue;
            }
            List<Float> lr = new ArrayList<>();
            List<Float> decay = new ArrayList<>();
            boolean learns = false;
            for (Param p : layer.params()) {
                lr.add(p.lrMult());
                decay.add(p.decayMult());
                learns |= p.isLearned();
            }
            out.add(new LayerSettings(layer.name(), layer.type().caffeName(), lr, decay, !learns));
        }
        return out;
    }
}

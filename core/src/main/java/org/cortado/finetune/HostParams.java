package org.cortado.finetune;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.cortado.layers.Layer;
import org.cortado.net.Net;
import org.cortado.solver.Solver;
import org.cortado.solver.TrainingDivergedException;
import org.cortado.tensor.Tensor;

/**
 * Host copies of a net's parameters, by layer, for writing a snapshot or an export. Every value is checked finite
 * first: a NaN or infinite weight ends the run before anything is written, rather than poisoning a file that a
 * resume or a deployment would trust.
 */
final class HostParams {
    private HostParams() {
    }

    /**
     * The parameters of the layers of {@code net} that {@code include} accepts, in net order.
     *
     * @param destination what would be written from them, for the error
     * @throws TrainingDivergedException naming the first parameter that holds a NaN or infinite value
     */
    static Map<String, List<Tensor>> checked(Net net, Predicate<Layer> include, Solver solver, String destination) {
        Map<String, List<Tensor>> blobs = new LinkedHashMap<>();
        for (Layer layer : net.layers()) {
            if (layer.params().isEmpty() || !include.test(layer)) {
                continue;
            }
            List<Tensor> host = new ArrayList<>();
            for (var p : layer.params()) {
                Tensor t = net.backend().download(p.data());
                requireFinite(p.name(), t, solver, destination);
                host.add(t);
            }
            blobs.put(layer.name(), host);
        }
        return blobs;
    }

    private static void requireFinite(String param, Tensor t, Solver solver, String destination) {
        float[] v = t.hostData();
        int n = t.count();
        for (int i = 0; i < n; i++) {
            if (!Float.isFinite(v[i])) {
                throw TrainingDivergedException.nonFiniteParameter(param, i, v[i], solver.iteration(),
                        solver.lastRate(), destination);
            }
        }
    }
}

package org.cortado.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.cortado.layers.Layer;
import org.cortado.layers.Param;
import org.cortado.layers.Phase;
import org.cortado.net.LoadedNet;
import org.cortado.net.Net;
import org.cortado.net.ShapesOnly;
import org.cortado.tensor.Shape;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code cortado inspect}: layers, types, top shapes, parameter shapes and counts. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "List a net's layers with their types, top shapes and parameters; with --weights, check that "
                + "the caffemodel fits the net.")
final class InspectCommand implements Callable<Integer> {
    @Mixin
    ModelOptions model;

    @Option(names = "--batch", paramLabel = "N", description = "Batch size to show shapes for (default: the prototxt's).")
    Integer batch;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        // Listing needs shapes, not values: a net too large for the heap is still listed, with its size.
        LoadedNet loaded = LoadedNet.load(model.model, model.weights, Phase.TEST, ShapesOnly.backend());
        Net net = loaded.net();
        if (batch != null) {
            for (String input : net.inputNames()) {
                net.setInputShape(input, net.inputShape(input).withDim(0, batch));
            }
        }
        out.printf("net '%s' from %s: %d layers%n", net.name(), model.model, net.layers().size());
        out.printf("%-34s %-14s %-22s %-40s %s%n", "layer", "type", "top shape", "parameters", "count");
        long total = 0;
        for (int i = 0; i < net.layers().size(); i++) {
            Layer layer = net.layers().get(i);
            List<String> shapes = new ArrayList<>();
            for (Shape s : net.topShapesOf(i)) {
                shapes.add(s.toString());
            }
            List<String> params = new ArrayList<>();
            long count = 0;
            for (Param p : layer.params()) {
                params.add(p.shape().toString());
                count += p.shape().count();
            }
            total += count;
            String inPlace = layer.bottoms().equals(layer.tops()) ? " (in place)" : "";
            out.printf("%-34s %-14s %-22s %-40s %s%n", layer.name() + inPlace, layer.type().caffeName(),
                    String.join(" ", shapes), String.join(" ", params), count == 0 ? "" : String.valueOf(count));
        }
        out.printf("total parameters: %d (%.1f MB as float32)%n", total, total * 4 / 1e6);
        if (model.weights != null) {
            out.printf("weights %s fit every layer%n", model.weights);
            if (!loaded.ignoredLayers().isEmpty()) {
                out.printf("ignored layers of the caffemodel that the net does not have: %s%n",
                        String.join(", ", loaded.ignoredLayers()));
            }
        }
        return 0;
    }
}

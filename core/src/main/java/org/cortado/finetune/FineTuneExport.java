package org.cortado.finetune;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.cortado.caffe.CaffeModelWriter;
import org.cortado.caffe.proto.Caffe.NetParameter;
import org.cortado.net.Net;
import org.cortado.solver.Solver;
import org.cortado.tensor.Tensor;

/** Writes a fine-tuned net as a deploy prototxt (with the new layer) and its caffemodel ({@code --export}). */
final class FineTuneExport {
    private FineTuneExport() {
    }

    /** Writes {@code replacedDeploy} and the weights of its layers in {@code net} into {@code dir}; returns the paths. */
    static Map<String, String> write(Path dir, Net net, NetParameter replacedDeploy, Solver solver,
                                     FineTuneListener listener) {
        Path deploy = dir.resolve("deploy.prototxt");
        Path model = dir.resolve("finetuned.caffemodel");
        Set<String> deployLayers = new HashSet<>();
        replacedDeploy.getLayerList().forEach(l -> deployLayers.add(l.getName()));
        Map<String, List<Tensor>> blobs = HostParams.checked(net, l -> deployLayers.contains(l.name()), solver,
                "export " + model);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create export folder " + dir + ": " + e.getMessage(), e);
        }
        CaffeModelWriter.writeDeployPrototxt(deploy, replacedDeploy);
        CaffeModelWriter.write(model, replacedDeploy, blobs);
        listener.message("exported " + deploy + " and " + model);
        Map<String, String> out = new LinkedHashMap<>();
        out.put("deploy", deploy.toString());
        out.put("caffemodel", model.toString());
        return out;
    }
}

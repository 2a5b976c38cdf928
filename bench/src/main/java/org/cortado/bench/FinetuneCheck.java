package org.cortado.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.cortado.backend.Backend;
import org.cortado.backend.cpu.CpuBackend;
import org.cortado.io.AtomicFiles;
import org.cortado.io.Npy;
import org.cortado.layers.Layer;
import org.cortado.layers.Param;
import org.cortado.layers.Phase;
import org.cortado.net.Net;

/**
 * What the PyTorch peer of {@link FinetuneBench} must reproduce: one forward and backward pass of the SqueezeNet
 * fine-tuning net of {@link Nets#fineTuning} (all layers learning, batch 16) without its Dropout layer, so that the
 * pass is deterministic. Writes, to the folder given: {@code check.json} (the loss, the labels, the input file, the
 * new classifier's name and parameter files, and one gradient file per learned parameter blob), the new
 * classifier's initial weights and the gradients as .npy. {@code bench/torch_cpu_bench.py --check DIR} loads the
 * same weights (the caffemodel through OpenCV, the classifier from here), runs the same pass and compares.
 *
 * <p>Usage: {@code FinetuneCheck DIR}.
 */
public final class FinetuneCheck {
    static final int BATCH = 16;

    private FinetuneCheck() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: FinetuneCheck DIR");
            System.exit(2);
        }
        Path dir = Path.of(args[0]);
        Files.createDirectories(dir);
        Backend backend = new CpuBackend();
        Nets.FineTuning ft = Nets.fineTuning("squeezenet", false, false, BATCH, backend);
        Net net = ft.net();
        net.setMode(Phase.TRAIN);
        net.clearParamDiffs();
        double loss = net.forwardBackward(ft.inputs());

        List<String> head = new ArrayList<>();
        List<Param> headParams = net.layer(ft.classifier()).params();
        for (int i = 0; i < headParams.size(); i++) {
            String file = "head-" + i + ".npy";
            Npy.write(dir.resolve(file), backend.download(headParams.get(i).data()));
            head.add(file);
        }
        List<Map<String, Object>> gradients = new ArrayList<>();
        for (Layer layer : net.layers()) {
            for (int i = 0; i < layer.params().size(); i++) {
                Param p = layer.params().get(i);
                if (!p.isLearned()) {
                    continue;
                }
                String file = "grad-" + layer.name().replace('/', '~') + "-" + i + ".npy";
                Npy.write(dir.resolve(file), backend.download(p.diff(backend)));
                gradients.add(Map.of("layer", layer.name(), "index", i, "file", file));
            }
        }
        float[] labels = ft.inputs().get(ft.label()).hostData();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("net", "squeezenet");
        out.put("batch", BATCH);
        out.put("input", Nets.input(BATCH).toString());
        out.put("labels", labels);
        out.put("loss", loss);
        out.put("classifier", ft.classifier());
        out.put("head", head);
        out.put("gradients", gradients);
        AtomicFiles.writeString(dir.resolve("check.json"),
                new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(out));
        System.out.printf(java.util.Locale.ROOT, "FinetuneCheck: loss %.6f, %d gradients written to %s%n", loss,
                gradients.size(), dir);
    }
}

package org.cortado.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.cortado.cli.ModelDefaults;

/**
 * What an executor needs to compute codes, as plain values that travel with each task: the command-line form of
 * model, weights, code layer and preprocessing ({@link ModelDefaults#fromArguments}, so that the known-model defaults
 * are the CLI's), the device, the batch size, decoding threads and the pixel limit. Equal settings share one loaded
 * net per executor JVM ({@link ExecutorNets}).
 *
 * @param model        the deploy prototxt, at a path every executor sees
 * @param weights      its caffemodel, likewise
 * @param options      {@code --layer ...}, {@code --pool ...} and the preprocessing options, as the CLI takes them
 * @param device       cpu, gpu, gpu:N or auto
 * @param batchSize    images per forward pass
 * @param threads      decoding threads per task
 * @param maxPixels    the pixel limit of a decode (header checked before any pixel is allocated)
 */
public record CodeSettings(String model, String weights, List<String> options, String device, int batchSize,
        int threads, long maxPixels)
        implements Serializable {
    private static final long serialVersionUID = 1L;

    public CodeSettings {
        options = List.copyOf(options);
        if (batchSize < 1 || threads < 1 || maxPixels < 1) {
            throw new IllegalArgumentException("batch size, threads and the pixel limit must be positive, got "
                    + batchSize + ", " + threads + ", " + maxPixels);
        }
    }

    /** The code layers and preprocessing these settings give (the manifest filling in what they leave out). */
    public ModelDefaults resolve() {
        List<String> args = new ArrayList<>(List.of("--model", model, "--weights", weights));
        args.addAll(options);
        return ModelDefaults.fromArguments(args);
    }
}

package org.cortado.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.cortado.backend.Backend;
import org.cortado.image.BgrImage;
import org.cortado.image.ImageDecodeException;
import org.cortado.image.DecodedImage;
import org.cortado.image.ImageDecoder;
import org.cortado.image.ImageTransformer;
import org.cortado.image.TransformSpec;
import org.cortado.layers.LayerType;
import org.cortado.layers.Phase;
import org.cortado.net.Net;
import org.cortado.net.LoadedNet;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;
import org.cortado.transfer.InputRecipe;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cortado classify}: the top classes of each image, with their labels. */
@Command(name = "classify", mixinStandardHelpOptions = true,
        description = "Print the top classes of each image by the net's last layer (its probabilities when that layer is a Softmax).")
final class ClassifyCommand implements Callable<Integer> {
    @Mixin
    ModelOptions model;

    @Mixin
    DeviceOption device;

    @Mixin
    PreprocessOptions preprocess;

    @Option(names = "--labels", required = true, paramLabel = "FILE",
            description = "Class names, one line per output in order (e.g. synset_words.txt).")
    Path labelsFile;

    @Option(names = "--top", defaultValue = "5", paramLabel = "K", description = "How many classes to print. Default: ${DEFAULT-VALUE}.")
    int top;

    @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "Images (JPEG, PNG, GIF, BMP).")
    List<Path> images;

    @Mixin
    PixelLimitOption pixelLimit;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        return pixelLimit.run(this::run);
    }

    private Integer run() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (model.weights == null) {
            throw new IllegalArgumentException("classify needs --weights");
        }
        List<String> labels = readLabels(labelsFile);
        int failures = 0;
        try (Backend backend = device.open()) {
            Net net = LoadedNet.load(model.model, model.weights, Phase.TEST, backend).net();
            net.fuseReLUs();   // only the last layer's output is read
            net.writeConcatsInPlace();
            String input = net.inputNames().get(0);
            Shape declared = net.inputShape(input);
            InputRecipe recipe = preprocess.toRecipe(declared, null);
            ImageTransformer transformer = new ImageTransformer(recipe.loaderTransform());
            int last = net.layers().size() - 1;
            int classes = net.topShapesOf(last).get(0).countFrom(1);
            if (classes != labels.size()) {
                throw new IllegalArgumentException(labelsFile + ": " + labels.size() + " labels, but the net's last layer '"
                        + net.layers().get(last).name() + "' has " + classes + " outputs");
            }
            boolean probabilities = net.layers().get(last).type() == LayerType.SOFTMAX;
            for (Path image : images) {
                float[] x;
                int[] size;
                try {
                    DecodedImage read = ImageDecoder.decodeWithWarnings(image);
                    if (read.warning() != null) {
                        err.println("cortado classify: warning: " + image + ": " + read.warning());
                    }
                    BgrImage decoded = read.image();
                    String rejected = transformer.rejection(decoded);
                    if (rejected != null) {
                        throw new ImageDecodeException(image, rejected, null);
                    }
                    TransformSpec spec = transformer.spec();
                    size = spec.outputSize(decoded.height(), decoded.width());
                    x = transformer.apply(decoded, 0L);
                } catch (ImageDecodeException e) {
                    err.println("cortado classify: " + e.getMessage());
                    failures++;
                    continue;
                }
                net.forward(Map.of(input, recipe.netInput(Tensor.wrap(Shape.of(1, 3, size[0], size[1]), x))));
                float[] scores = meanOverViews(backend.download(net.topsOf(last).get(0)).hostData(), classes,
                        recipe.views());
                out.println(image);
                for (int rank : topIndices(scores, Math.min(top, scores.length))) {
                    out.printf("  %s %.4f  %s%n", probabilities ? "p =" : "score", scores[rank], labels.get(rank));
                }
            }
        }
        return failures == 0 ? 0 : Main.EXIT_FAILURE;
    }

    /**
     * The average of {@code views} output rows of {@code classes} values: classify.py's prediction from oversampled
     * crops (the mean of the crops' probabilities).
     */
    static float[] meanOverViews(float[] rows, int classes, int views) {
        if (views == 1) {
            return rows;
        }
        float[] mean = new float[classes];
        for (int k = 0; k < classes; k++) {
            double s = 0;
            for (int v = 0; v < views; v++) {
                s += rows[v * classes + k];
            }
            mean[k] = (float) (s / views);
        }
        return mean;
    }

    static List<String> readLabels(Path file) throws IOException {
        try {
            List<String> labels = new ArrayList<>();
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    labels.add(line.strip());
                }
            }
            return labels;
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(file + ": no such labels file");
        }
    }

    /** Indices of the {@code k} largest scores, largest first (lower index first on ties). */
    static int[] topIndices(float[] scores, int k) {
        int[] best = new int[k];
        boolean[] taken = new boolean[scores.length];
        for (int r = 0; r < k; r++) {
            int arg = -1;
            for (int i = 0; i < scores.length; i++) {
                if (!taken[i] && (arg < 0 || scores[i] > scores[arg])) {
                    arg = i;
                }
            }
            taken[arg] = true;
            best[r] = arg;
        }
        return best;
    }
}

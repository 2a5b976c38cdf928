package org.cortado.advise;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.cortado.backend.Backend;
import org.cortado.caffe.proto.Caffe.NetParameter;
import org.cortado.data.DecodeWarning;
import org.cortado.data.ImageDataset;
import org.cortado.data.NoUsableImages;
import org.cortado.data.Skipped;
import org.cortado.data.TrainValSplit;
import org.cortado.features.CodeExtractor;
import org.cortado.features.FeatureFiles;
import org.cortado.features.FeatureSet;
import org.cortado.heads.HeadSpec;
import org.cortado.layers.NetDefinitionException;
import org.cortado.layers.Phase;
import org.cortado.net.proto.NetProtos;
import org.cortado.transfer.CodeNet;
import org.cortado.transfer.CodeSpec;
import org.cortado.transfer.InputRecipe;
import org.cortado.util.Progress;

/**
 * Linear probes at every depth of a pretrained net, from one forward pass per image: a code net over all the probed
 * layers ({@link CodeNet#load(Path, Path, List, InputRecipe, Backend)}, cut after the deepest, each layer's
 * activated blob pooled over space as it is produced), then for each layer a linear head on its codes, scored by
 * cross-validation on the training codes, on the training codes and on the validation codes.
 *
 * <pre>{@code
 * try (Backend backend = Backends.select("auto")) {
 *     Probe.Result r = Probe.run(Probe.Config.of(deploy, caffemodel, input, HeadSpec.crossValidated(HeadType.SVM)),
 *             ImageFolders.trainVal(trainDir, valDir), backend);
 *     r.rows().forEach(row -> System.out.println(row.name() + " " + row.valAccuracy()));
 * }
 * }</pre>
 */
public final class Probe {
    /**
     * The C values a sweep cross-validates by default: a decade apart, from where standardised codes start to
     * underfit (1e-3) to where accuracy has stopped changing (10); five values keep a dozen layers to minutes.
     */
    public static final double[] DEFAULT_GRID = {1e-3, 1e-2, 1e-1, 1, 10};
    /** The file of all layers' codes side by side in a codes folder, before the split name and ".npy". */
    public static final String ALL_LAYERS = "all-layers";

    private Probe() {
    }

    /**
     * What to probe.
     *
     * @param deploy       the deploy prototxt
     * @param weights      its caffemodel
     * @param layers       the layers to probe, or null for {@link ProbeLayers#defaults}
     * @param pooling      how each layer's (N, C, H, W) blob becomes a code (avg or max over space)
     * @param input        how images are prepared
     * @param head         the head fitted on each layer's codes (C given, or chosen by cross-validation)
     * @param combine      extra rows: each a list of layers whose codes are joined side by side
     * @param codesDir     where the feature files go ({@value #ALL_LAYERS}.train.npy with every layer, and one file
     *                     per layer and split); null: a temporary folder, removed at the end
     * @param extraction   batch size, decoding threads, part size
     * @param resume       reuse complete feature files of {@code codesDir} that hold the same codes, and resume
     *                     interrupted ones; without it, all codes are computed afresh
     * @param sourceOutput also take the source net's own output (its last layer) in the same pass, for
     *                     {@link SourcePredictions}
     * @param quiet        no progress lines
     */
    public record Config(Path deploy, Path weights, List<String> layers, CodeSpec.Pooling pooling, InputRecipe input,
            HeadSpec head, List<List<String>> combine, Path codesDir, CodeExtractor.Options extraction,
            boolean resume, boolean sourceOutput, boolean quiet) {
        public Config {
            layers = layers == null ? null : List.copyOf(layers);
            combine = combine.stream().map(List::copyOf).toList();
            if (pooling == CodeSpec.Pooling.NONE) {
                throw new IllegalArgumentException("a layer sweep pools each layer over space: avg or max, not none");
            }
            for (List<String> c : combine) {
                if (c.size() < 2) {
                    throw new IllegalArgumentException("a combined row joins at least two layers, got " + c);
                }
            }
        }

        /** The default layers, average pooling, no combined rows, a temporary codes folder, progress shown. */
        public static Config of(Path deploy, Path weights, InputRecipe input, HeadSpec head) {
            return new Config(deploy, weights, null, CodeSpec.Pooling.AVG, input, head, List.of(), null,
                    new CodeExtractor.Options(CodeNet.IMAGES_PER_BATCH, Runtime.getRuntime().availableProcessors(),
                            CodeNet.IMAGES_PER_PART), false, false, false);
        }
    }

    /**
     * One probed layer, or layers joined.
     *
     * @param name          the layer, or the layers joined by "+"
     * @param layers        the layers whose codes it uses
     * @param depth         the position in the net of its deepest layer (0: the first layer)
     * @param dim           the code length
     * @param c             the head's C
     * @param cvAccuracy    mean accuracy of k-fold cross-validation at that C on the training codes
     * @param trainAccuracy the head's accuracy on the training codes it was fitted on
     * @param valAccuracy   its accuracy on the validation codes
     */
    public record Row(String name, List<String> layers, int depth, int dim, double c, double cvAccuracy,
            double trainAccuracy, double valAccuracy) {
        /** Whether this row joins several layers. */
        public boolean combined() {
            return layers.size() > 1;
        }
    }

    /** Wall-clock seconds of each stage. */
    public record Timings(double load, double trainCodes, double valCodes, double fits, double total) {
    }

    /**
     * Everything a probe produced.
     *
     * @param rows         the single layers in depth order, then the combined rows in the order asked
     * @param bestLayer    the single layer with the best validation accuracy (ties: the better cross-validation
     *                     accuracy, then the shallower)
     * @param bestLayerCv  the single layer with the best cross-validated training accuracy (ties: the shallower): the
     *                     choice made without looking at the validation set
     * @param skipped      training and validation images that gave no code, with reasons
     * @param warnings     training and validation images that gave a code despite damage their decoder got past
     * @param trainCodes   each probed layer's training codes, by layer
     * @param valCodes     each probed layer's validation codes, by layer
     * @param source       the source net's own predictions on the training images, or null when not asked
     */
    public record Result(List<Row> rows, String bestLayer, String bestLayerCv, List<String> classes, int nTrain,
            int nVal, List<Skipped> skipped, List<DecodeWarning> warnings, Map<String, FeatureSet> trainCodes,
            Map<String, FeatureSet> valCodes, SourcePredictions source, CodeNet net, Timings timings) {
        /** The row of a layer (or of layers joined by "+"). */
        public Row row(String name) {
            return rows.stream().filter(r -> r.name().equals(name)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("no probe row '" + name + "'"));
        }
    }

    /** Runs the probe of {@code config} on {@code data}. */
    public static Result run(Config config, TrainValSplit data, Backend backend) {
        long t0 = System.nanoTime();
        NetParameter full = NetProtos.readNormalized(config.deploy(), Phase.TEST);
        List<String> probed = config.layers() != null ? config.layers() : ProbeLayers.defaults(full, backend);
        List<String> names = full.getLayerList().stream().map(l -> l.getName()).toList();
        for (String layer : probed) {
            if (!names.contains(layer)) {
                throw new NetDefinitionException(config.deploy() + ": net '" + full.getName() + "' has no layer '"
                        + layer + "'; its layers: " + String.join(", ", names));
            }
        }
        probed = probed.stream().distinct().sorted(Comparator.comparingInt(l -> depth(full, l))).toList();
        if (probed.isEmpty()) {
            throw new IllegalArgumentException(config.deploy() + ": no layer to probe");
        }
        List<String> extracted = new ArrayList<>(probed);
        config.combine().forEach(c -> c.stream().filter(l -> !extracted.contains(l)).forEach(extracted::add));
        List<CodeSpec> specs = new ArrayList<>();
        for (String layer : extracted) {
            specs.add(new CodeSpec(layer, CodeSpec.Activation.POST, config.pooling()));
        }
        String outputLayer = full.getLayer(full.getLayerCount() - 1).getName();
        if (config.sourceOutput()) {
            specs.add(new CodeSpec(outputLayer, CodeSpec.Activation.POST, CodeSpec.Pooling.AVG));
        }
        CodeNet net = CodeNet.load(config.deploy(), config.weights(), specs, config.input(), backend);
        long t1 = System.nanoTime();
        Path dir = config.codesDir();
        boolean temporary = dir == null;
        Map<String, FeatureSet> train;
        Map<String, FeatureSet> val;
        SourcePredictions source = null;
        long t2;
        long t3;
        try {
            if (temporary) {
                dir = Files.createTempDirectory("cortado-probe");
            }
            train = codes(net, data.train(), dir, temporary, "train", config);
            t2 = System.nanoTime();
            val = codes(net, data.val(), dir, temporary, "val", config);
            t3 = System.nanoTime();
            if (config.sourceOutput()) {
                source = SourcePredictions.of(outputLayer, full.getLayer(full.getLayerCount() - 1).getType(),
                        train.get(outputLayer));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary folder for the codes: " + e.getMessage(), e);
        } finally {
            if (temporary && dir != null) {
                deleteTree(dir);
            }
        }
        FeatureSet anyTrain = train.get(probed.get(0));
        if (anyTrain.rows() == 0) {
            throw NoUsableImages.error("training", data.train(), anyTrain.skipped());
        }
        List<Row> rows = new ArrayList<>();
        for (String layer : probed) {
            rows.add(ProbeHeads.row(config.head(), List.of(layer), depth(full, layer), train.get(layer),
                    val.get(layer)));
        }
        for (List<String> c : config.combine()) {
            List<FeatureSet> tr = c.stream().map(train::get).toList();
            List<FeatureSet> va = c.stream().map(val::get).toList();
            String name = String.join("+", c);
            int depth = c.stream().mapToInt(l -> depth(full, l)).max().orElseThrow();
            rows.add(ProbeHeads.row(config.head(), c, depth,
                    CodeColumns.join(tr, CodeColumns.withLayer(tr.get(0).provenance(), name, config.pooling().id())),
                    CodeColumns.join(va, CodeColumns.withLayer(va.get(0).provenance(), name, config.pooling().id()))));
        }
        long t4 = System.nanoTime();
        List<Row> singles = rows.stream().filter(r -> !r.combined()).toList();
        Row best = singles.stream().max(Comparator.comparingDouble(Row::valAccuracy)
                .thenComparingDouble(Row::cvAccuracy).thenComparing(Comparator.comparingInt(Row::depth).reversed()))
                .orElseThrow();
        Row bestCv = singles.stream().max(Comparator.comparingDouble(Row::cvAccuracy)
                .thenComparing(Comparator.comparingInt(Row::depth).reversed())).orElseThrow();
        List<Skipped> skipped = new ArrayList<>(anyTrain.skipped());
        skipped.addAll(val.get(probed.get(0)).skipped());
        List<DecodeWarning> warnings = new ArrayList<>(anyTrain.warnings());
        warnings.addAll(val.get(probed.get(0)).warnings());
        Timings timings = new Timings(seconds(t0, t1), seconds(t1, t2), seconds(t2, t3), seconds(t3, t4),
                seconds(t0, t4));
        return new Result(List.copyOf(rows), best.name(), bestCv.name(), anyTrain.classes(), anyTrain.rows(),
                val.get(probed.get(0)).rows(), skipped, warnings, train, val, source, net, timings);
    }

    /** The position of {@code layer} in the net (its last definition, as Caffe resolves names). */
    static int depth(NetParameter net, String layer) {
        for (int i = net.getLayerCount() - 1; i >= 0; i--) {
            if (net.getLayer(i).getName().equals(layer)) {
                return i;
            }
        }
        throw new IllegalArgumentException("net '" + net.getName() + "' has no layer '" + layer + "'");
    }

    /**
     * Each layer's codes of {@code set}, by layer. In a kept codes folder they are {@code LAYER.SPLIT.npy} ("/" in a
     * layer name becomes "__"), beside {@value #ALL_LAYERS}{@code .SPLIT.npy} with all of them; with resume, layer
     * files that hold the same codes (from any earlier probe of the same images) are used without a forward pass.
     */
    private static Map<String, FeatureSet> codes(CodeNet net, ImageDataset set, Path dir, boolean temporary,
            String name, Config config) {
        Map<String, FeatureSet> out = new LinkedHashMap<>();
        if (config.resume() && !temporary) {
            for (CodeNet.Part p : net.parts()) {
                String layer = p.spec().layer();
                FeatureSet done = CodeExtractor.existing(layerFile(dir, layer, name), set,
                        CodeColumns.withLayer(net.provenance(), layer, p.pooling().id()));
                if (done == null) {
                    out.clear();
                    break;
                }
                out.put(layer, done);
            }
            if (!out.isEmpty()) {
                return out;
            }
        }
        FeatureSet all;
        try (Progress progress = Progress.onStderr(name + " codes", "img", set.size(), config.quiet())) {
            all = net.extract(set, dir.resolve(ALL_LAYERS + "." + name + ".npy"), config.extraction(), progress,
                    config.resume());
        }
        for (CodeNet.Part p : net.parts()) {
            String layer = p.spec().layer();
            if (out.containsKey(layer)) {
                continue;
            }
            FeatureSet codes = CodeColumns.slice(all, p.offset(), p.dim(),
                    CodeColumns.withLayer(all.provenance(), layer, p.pooling().id()));
            out.put(layer, codes);
            if (!temporary) {
                FeatureFiles.write(layerFile(dir, layer, name), codes);
            }
        }
        return out;
    }

    private static Path layerFile(Path dir, String layer, String split) {
        return dir.resolve(fileName(layer) + "." + split + ".npy");
    }

    /** A layer name as a file name: "/" becomes "__" (as {@code forward --outputs} writes them). */
    public static String fileName(String layer) {
        return layer.replace("/", "__");
    }

    private static double seconds(long from, long to) {
        return (to - from) / 1e9;
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot remove the temporary codes: " + e.getMessage(), e);
        }
    }
}

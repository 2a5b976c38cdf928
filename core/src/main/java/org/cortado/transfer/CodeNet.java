package org.cortado.transfer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.cortado.backend.Backend;
import org.cortado.caffe.proto.Caffe.NetParameter;
import org.cortado.data.Batch;
import org.cortado.data.DatasetException;
import org.cortado.data.Hdf5Data;
import org.cortado.data.ImageDataset;
import org.cortado.features.CodeExtractor;
import org.cortado.features.CodeFunction;
import org.cortado.features.FeatureSet;
import org.cortado.features.Provenance;
import org.cortado.image.ImageTransformer;
import org.cortado.layers.NetDefinitionException;
import org.cortado.layers.Phase;
import org.cortado.net.InferenceRequest;
import org.cortado.net.LoadedNet;
import org.cortado.net.Net;
import org.cortado.net.NetDefinition;
import org.cortado.net.proto.NetProtos;
import org.cortado.tensor.Device;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;
import org.cortado.util.Progress;
import org.cortado.util.ReadFailure;
import org.cortado.weights.Fetcher;

/**
 * A pretrained net cut after its code layer, with the code's pooling and the averaging of oversampled views as
 * layers of the net itself, so that the codes and an exported classifier ({@link HeadExport}) run the same layers.
 *
 * <p>The code net's definition is the deploy net up to the code layer (and, for post-activation codes, the in-place
 * layers that follow it), then:
 * <ul>
 *   <li>{@value #POOL_LAYER}: a global Pooling layer (AVE or MAX) when the code blob is (N, C, H, W) with
 *       H x W > 1 and pooling is asked for; without it, the blob is flattened;</li>
 *   <li>{@value #VIEWS_LAYER} and {@value #VIEW_MEAN_LAYER} when oversampling: a Reshape of the (10 N) codes of D
 *       values to (N, 1, 10, D) and an AVE Pooling over the 10 rows, giving (N, 1, 1, D).</li>
 * </ul>
 * The net is fed a batch of images transformed by {@link InputRecipe#loaderTransform()}; oversampling cuts the ten
 * crops of each before the forward pass.
 *
 * <p>A code net may also give the codes of several layers in one pass ({@link #load(Path, Path, List, InputRecipe,
 * Backend)}): each is pooled where its blob is produced and the rows hold them side by side
 * ({@link CodeNetDefinition}).
 */
public final class CodeNet implements CodeFunction {
    /** The global pooling layer's name (and top). */
    public static final String POOL_LAYER = "cortado_code_pool";
    /** The Reshape that stacks the views of each image. */
    public static final String VIEWS_LAYER = "cortado_views";
    /** The Pooling that averages the views. */
    public static final String VIEW_MEAN_LAYER = "cortado_view_mean";

    /** Images per forward pass: large enough for efficient GEMMs, small enough for a few hundred MB. */
    public static final int IMAGES_PER_BATCH = 16;
    /** Images per forward pass when each gives ten crops (40 crops). */
    public static final int OVERSAMPLED_IMAGES_PER_BATCH = 4;
    /** Images per resumable part: an interruption loses at most this much work. */
    public static final int IMAGES_PER_PART = 64;

    private final Path deploy;
    private final Path weights;
    private final String weightsSha1;
    private final List<Part> parts;
    private final InputRecipe input;
    private final NetParameter definition;
    private final Net net;
    private final String inputBlob;
    /** What {@link #preprocessing()} says after an extraction of HDF5 rows, else null. */
    private String storedRows;
    private final String codeBlob;
    private final int dim;
    private final List<String> ignoredLayers;

    private CodeNet(Path deploy, Path weights, String weightsSha1, List<Part> parts,
            InputRecipe input, NetParameter definition, LoadedNet loaded, String codeBlob, int dim) {
        this.deploy = deploy;
        this.weights = weights;
        this.weightsSha1 = weightsSha1;
        this.parts = parts;
        this.input = input;
        this.definition = definition;
        this.net = loaded.net();
        // Only the code blob is read from this net, so it is planned to keep that alone: each convolution writes its
        // ReLU'd values in one pass (a pre-activation code's pooling reads the convolution's output, a second reader,
        // which keeps the two apart), the convolutions feeding a concat write its slices, and the feature maps share
        // buffers. BatchNorm stays unfolded: HeadExport writes this net's parameters as the definition has them.
        net.planInference(InferenceRequest.blobs(List.of(codeBlob)).withFolding(false));
        this.inputBlob = net.inputNames().get(0);
        this.codeBlob = codeBlob;
        this.dim = dim;
        this.ignoredLayers = loaded.ignoredLayers();
    }

    /**
     * Reads the deploy prototxt and the caffemodel and builds the code net on {@code backend}.
     *
     * @param weights the caffemodel, or null for a net with zero weights (tests)
     * @throws NetDefinitionException naming the prototxt and listing the layers when the code layer is not there, or
     *                                when pooling is asked of a blob that has no spatial axes to pool
     */
    public static CodeNet load(Path deploy, Path weights, CodeSpec spec, InputRecipe input, Backend backend) {
        return load(deploy, weights, List.of(spec), input, backend);
    }

    /**
     * The code net of several layers at once: one forward pass per image gives each spec's code, pooled where its
     * blob is produced, and a row of codes holds them side by side in the order given ({@link #parts()} says where).
     * The net is cut after the deepest of them.
     *
     * @param weights the caffemodel, or null for a net with zero weights (tests)
     * @throws NetDefinitionException as {@link #load(Path, Path, CodeSpec, InputRecipe, Backend)}, for any spec
     */
    public static CodeNet load(Path deploy, Path weights, List<CodeSpec> specs, InputRecipe input, Backend backend) {
        NetParameter full = NetProtos.readNormalized(deploy, Phase.TEST);
        CodeNetDefinition codes = CodeNetDefinition.of(full, deploy, specs, input);
        LoadedNet loaded = NetProtos.load(codes.trunk(), codes, weights, Phase.TEST, backend, Set.of());
        return new CodeNet(deploy, weights, weights == null ? null : sha1(weights), codes.parts(), input,
                NetProtos.proto(loaded.net().definition()), loaded, codes.codeBlob(), codes.dim());
    }

    /**
     * Checks the code layers of {@code specs} against the deploy prototxt without reading weights or allocating the
     * net: for callers that load the net elsewhere (Spark executors) and want a bad layer refused first.
     *
     * @throws NetDefinitionException as {@link #load(Path, Path, List, InputRecipe, Backend)}
     */
    public static void check(Path deploy, List<CodeSpec> specs, InputRecipe input) {
        CodeNetDefinition.of(NetProtos.readNormalized(deploy, Phase.TEST), deploy, specs, input);
    }

    private static String sha1(Path file) {
        try {
            return Fetcher.digest(file, "SHA-1");
        } catch (IOException e) {
            throw new UncheckedIOException(ReadFailure.describe(file, e), e);
        }
    }

    /**
     * The codes of a batch of images transformed by {@link InputRecipe#loaderTransform()}: one row of {@link #dim()}
     * values per image.
     */
    @Override
    public float[][] codes(Tensor batch) {
        return codesOf(input.netInput(batch), batch.shape().dim(0));
    }

    /**
     * On a GPU, without oversampling (whose ten crops cut the host batch): the loader only resizes, and the backend
     * crops, mirrors and subtracts the mean on the device, so a batch crosses the bus as bytes.
     */
    @Override
    public boolean takesPixels() {
        return !input.oversample() && !net.backend().device().equals(Device.CPU);
    }

    @Override
    public float[][] codes(Batch batch) {
        return batch.pixels() == null ? codes(batch.data()) : codesOf(batch.input(net.backend()), batch.size());
    }

    /** The codes of {@code n} images whose net input (n images, or 10 n crops) is {@code netInput}. */
    private float[][] codesOf(Tensor netInput, int n) {
        net.forward(Map.of(inputBlob, netInput));
        Tensor out = net.backend().download(net.blob(codeBlob));
        if (out.count() != n * dim) {
            throw new IllegalStateException("code blob '" + codeBlob + "' of shape " + out.shape() + " does not hold "
                    + n + " codes of " + dim + " values (images of another size than " + input.describe() + "?)");
        }
        return rows(out, n);
    }

    /** A host tensor of {@code n} equal parts as {@code n} rows (copies). */
    static float[][] rows(Tensor host, int n) {
        int d = host.count() / n;
        float[][] rows = new float[n][d];
        for (int i = 0; i < n; i++) {
            System.arraycopy(host.hostData(), i * d, rows[i], 0, d);
        }
        return rows;
    }

    /** Extracts the codes of {@code data} into the feature file {@code npy}, resuming an interrupted extraction. */
    public FeatureSet extract(ImageDataset data, Path npy, CodeExtractor.Options options, Progress progress) {
        return extract(data, npy, options, progress, true);
    }

    /**
     * Extracts the codes of {@code data} into the feature file {@code npy}.
     *
     * @param resume continue an interrupted extraction into {@code npy} and keep a complete file with the same codes
     *               ({@link CodeExtractor#existing}); without it, leftovers are removed and all codes computed
     */
    public FeatureSet extract(ImageDataset data, Path npy, CodeExtractor.Options options, Progress progress,
            boolean resume) {
        requireFits(data);
        Provenance provenance = provenance();
        if (resume) {
            FeatureSet done = CodeExtractor.existing(npy, data, provenance);
            if (done != null) {
                progress.advance(data.size());
                return done;
            }
        } else {
            CodeExtractor.discardPartial(npy);
        }
        CodeExtractor extractor = new CodeExtractor(new ImageTransformer(input.loaderTransform()), this, options);
        return extractor.extract(data, npy, provenance, progress);
    }

    /**
     * Refuses HDF5 rows (the net's input as stored) that this net cannot take as they are: rows of another shape than
     * its input, or any rows when it oversamples (ten crops are cut from an image, not from a stored input).
     */
    private void requireFits(ImageDataset data) {
        storedRows = null;
        if (!Hdf5Data.holdsRows(data)) {
            return;
        }
        if (input.oversample()) {
            throw new DatasetException(data.samples().get(0).file() + ": HDF5 rows go to the net as stored; "
                    + "oversampling cuts ten crops from an image and does not apply to them");
        }
        Shape s = net.inputShape(inputBlob);
        Hdf5Data.requireShape(data, new int[] {s.dim(1), s.dim(2), s.dim(3)}, inputBlob);
        storedRows = "none: HDF5 rows of " + s.dim(1) + " x " + s.dim(2) + " x " + s.dim(3) + " as stored";
    }

    /**
     * The preprocessing of the codes last extracted, in words: {@link InputRecipe#describe()}, or none when they were
     * of HDF5 rows (the input recipe then only sized the net), as feature files, reports and exports record it.
     */
    public String preprocessing() {
        return storedRows != null ? storedRows : input.describe();
    }

    /**
     * Extracts the codes of {@code data} into {@code npy} with {@link #defaultOptions()}, showing progress on
     * standard error.
     */
    public FeatureSet extract(ImageDataset data, Path npy) {
        try (Progress progress = Progress.onStderr("codes " + npy.getFileName(), "img", data.size(), false)) {
            return extract(data, npy, defaultOptions(), progress);
        }
    }

    /**
     * Batches of {@value #IMAGES_PER_BATCH} images ({@value #OVERSAMPLED_IMAGES_PER_BATCH} when oversampling: ten
     * crops each), a decoding thread per core, parts of {@value #IMAGES_PER_PART} images.
     */
    public CodeExtractor.Options defaultOptions() {
        return new CodeExtractor.Options(input.oversample() ? OVERSAMPLED_IMAGES_PER_BATCH : IMAGES_PER_BATCH,
                Runtime.getRuntime().availableProcessors(), IMAGES_PER_PART);
    }

    /** How these codes are made, for feature files. */
    public Provenance provenance() {
        return new Provenance(deploy.toString(), weights == null ? null : weights.toString(), weightsSha1,
                joined(p -> p.spec().layer()), joined(p -> p.spec().activation().id()), joined(p -> p.pooling().id()),
                preprocessing(), engine(), null);
    }

    /** "cortado VERSION" ("development" when run from classes rather than a packaged jar). */
    public static String engine() {
        String v = CodeNet.class.getPackage().getImplementationVersion();
        return "cortado " + (v == null ? "development" : v);
    }

    /** The length of a code. */
    public int dim() {
        return dim;
    }

    /** The code spec; for a net of several codes, the first one's ({@link #specs()} has them all). */
    public CodeSpec spec() {
        return parts.get(0).spec();
    }

    /** The pooling in effect: the spec's, or none when the code blob has no spatial extent (the first code's). */
    public CodeSpec.Pooling pooling() {
        return parts.get(0).pooling();
    }

    /** The code specs, in the order their codes lie in a row. */
    public List<CodeSpec> specs() {
        return parts.stream().map(Part::spec).toList();
    }

    /**
     * Where each code lies in a row: its spec, the pooling in effect, its first column and its length.
     *
     * @param spec    what was asked
     * @param pooling the pooling in effect (none where the blob has no spatial extent)
     * @param offset  the first column
     * @param dim     the length
     */
    public record Part(CodeSpec spec, CodeSpec.Pooling pooling, int offset, int dim) {
    }

    /** Each code's place in a row, in order. */
    public List<Part> parts() {
        return parts;
    }

    /**
     * The codes in words: "layer fire9/concat, post-activation, pooling avg", or for several "layers pool1 (post, avg)
     * + fire6/concat (post, max)".
     */
    public String describeCodes() {
        if (parts.size() == 1) {
            return "layer " + spec().layer() + ", " + spec().activation().id() + "-activation, pooling "
                    + pooling().id();
        }
        return "layers " + String.join(" + ", parts.stream().map(p -> p.spec().layer() + " ("
                + p.spec().activation().id() + ", " + p.pooling().id() + ")").toList());
    }

    /** Each code's value of {@code field}, joined by "+" where they differ (one value where all agree). */
    private String joined(java.util.function.Function<Part, String> field) {
        List<String> values = parts.stream().map(field).toList();
        return values.stream().distinct().count() == 1 ? values.get(0) : String.join("+", values);
    }

    public InputRecipe input() {
        return input;
    }

    /** The code net's definition (normalized, V2 layers, the input batch set to one image's views). */
    public NetDefinition definition() {
        return NetProtos.ofNormalized(definition, Phase.TEST);
    }

    /** {@link #definition}'s message, for the export. */
    NetParameter proto() {
        return definition;
    }

    /** The blob that holds the codes after a forward pass. */
    public String codeBlob() {
        return codeBlob;
    }

    public Net net() {
        return net;
    }

    public Path deploy() {
        return deploy;
    }

    public Path weights() {
        return weights;
    }

    /** SHA-1 of the caffemodel, hex, or null without weights. */
    public String weightsSha1() {
        return weightsSha1;
    }

    /** Layers of the caffemodel that the code net does not have (the cut-off classifier). */
    public List<String> ignoredLayers() {
        return ignoredLayers;
    }
}

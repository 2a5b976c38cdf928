package org.cortado.transfer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.cortado.backend.Backend;
import org.cortado.caffe.Prototxt;
import org.cortado.caffe.proto.Caffe.BlobShape;
import org.cortado.caffe.proto.Caffe.LayerParameter;
import org.cortado.caffe.proto.Caffe.NetParameter;
import org.cortado.caffe.proto.Caffe.PoolingParameter;
import org.cortado.caffe.proto.Caffe.PoolingParameter.PoolMethod;
import org.cortado.caffe.proto.Caffe.ReshapeParameter;
import org.cortado.data.Batch;
import org.cortado.data.ImageDataset;
import org.cortado.features.CodeExtractor;
import org.cortado.features.CodeFunction;
import org.cortado.features.FeatureSet;
import org.cortado.features.Provenance;
import org.cortado.image.ImageTransformer;
import org.cortado.image.Oversample;
import org.cortado.layers.NetDefinitionException;
import org.cortado.layers.Phase;
import org.cortado.net.LoadedNet;
import org.cortado.net.Net;
import org.cortado.net.NetDefinitions;
import org.cortado.tensor.Device;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;
import org.cortado.util.Progress;
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
    private final CodeSpec spec;
    private final CodeSpec.Pooling pooling;
    private final InputRecipe input;
    private final NetParameter definition;
    private final Net net;
    private final String inputBlob;
    private final String codeBlob;
    private final int dim;
    private final List<String> ignoredLayers;

    private CodeNet(Path deploy, Path weights, String weightsSha1, CodeSpec spec, CodeSpec.Pooling pooling,
            InputRecipe input, NetParameter definition, LoadedNet loaded, String codeBlob, int dim) {
        this.deploy = deploy;
        this.weights = weights;
        this.weightsSha1 = weightsSha1;
        this.spec = spec;
        this.pooling = pooling;
        this.input = input;
        this.definition = definition;
        this.net = loaded.net();
        // Only the code blob is read from this net, so no convolution's own output needs keeping: each writes its
        // ReLU'd values in one pass (a pre-activation code's layer has no ReLU in the trunk, so stays unfused), and
        // the convolutions feeding a concat write its slices.
        net.fuseReLUs();
        net.writeConcatsInPlace();
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
        NetParameter full = NetDefinitions.normalize(Prototxt.readNet(deploy), Phase.TEST);
        LayerParameter codeLayer = findLayer(full, spec.layer(), deploy);
        if (codeLayer.getTopCount() == 0) {
            throw new NetDefinitionException(deploy + ": layer '" + spec.layer() + "' has no top blob to take codes from");
        }
        String top = codeLayer.getTop(0);
        NetParameter trunk = NetDefinitions.truncateAfter(full, spec.layer(), spec.activation() == CodeSpec.Activation.POST);
        Shape codeShape = codeShape(trunk, top, input, backend);
        CodeSpec.Pooling pooling = spec.pooling();
        boolean spatial = codeShape.rank() == 4 && codeShape.countFrom(2) > 1;
        if (!spatial && pooling != CodeSpec.Pooling.NONE) {
            if (codeShape.rank() == 4 || codeShape.rank() == 2) {
                pooling = CodeSpec.Pooling.NONE;   // nothing to pool over: the identity
            } else {
                throw new NetDefinitionException(deploy + ": layer '" + spec.layer() + "' gives codes of shape "
                        + codeShape + "; spatial pooling takes (N, C, H, W), use pooling none to flatten");
            }
        }
        NetParameter.Builder def = trunk.toBuilder();
        String blob = top;
        int d = codeShape.countFrom(1);
        if (pooling != CodeSpec.Pooling.NONE) {
            requireFreeName(full, POOL_LAYER, deploy);
            def.addLayer(LayerParameter.newBuilder().setName(POOL_LAYER).setType("Pooling").addBottom(blob)
                    .addTop(POOL_LAYER).setPoolingParam(PoolingParameter.newBuilder()
                            .setPool(pooling == CodeSpec.Pooling.AVG ? PoolMethod.AVE : PoolMethod.MAX)
                            .setGlobalPooling(true)));
            blob = POOL_LAYER;
            d = codeShape.dim(1);
        }
        if (input.oversample()) {
            requireFreeName(full, VIEWS_LAYER, deploy);
            requireFreeName(full, VIEW_MEAN_LAYER, deploy);
            def.addLayer(LayerParameter.newBuilder().setName(VIEWS_LAYER).setType("Reshape").addBottom(blob)
                    .addTop(VIEWS_LAYER).setReshapeParam(ReshapeParameter.newBuilder().setShape(BlobShape.newBuilder()
                            .addDim(-1).addDim(1).addDim(Oversample.VIEWS).addDim(d))));
            def.addLayer(LayerParameter.newBuilder().setName(VIEW_MEAN_LAYER).setType("Pooling").addBottom(VIEWS_LAYER)
                    .addTop(VIEW_MEAN_LAYER).setPoolingParam(PoolingParameter.newBuilder().setPool(PoolMethod.AVE)
                            .setKernelH(Oversample.VIEWS).setKernelW(1).setStride(1)));
            blob = VIEW_MEAN_LAYER;
        }
        NetParameter definition = withInputBatch(def.build(), input);
        LoadedNet loaded = LoadedNet.load(definition, weights, Phase.TEST, backend, Set.of());
        return new CodeNet(deploy, weights, weights == null ? null : sha1(weights), spec, pooling, input, definition,
                loaded, blob, d);
    }

    private static LayerParameter findLayer(NetParameter net, String name, Path deploy) {
        for (LayerParameter l : net.getLayerList()) {
            if (l.getName().equals(name)) {
                return l;
            }
        }
        List<String> names = net.getLayerList().stream().map(LayerParameter::getName).toList();
        throw new NetDefinitionException(deploy + ": net '" + net.getName() + "' has no layer '" + name
                + "'; its layers: " + String.join(", ", names));
    }

    private static void requireFreeName(NetParameter net, String name, Path deploy) {
        for (LayerParameter l : net.getLayerList()) {
            if (l.getName().equals(name) || l.getTopList().contains(name)) {
                throw new NetDefinitionException(deploy + ": the net already has a layer or blob '" + name
                        + "', a name the code net adds");
            }
        }
    }

    /** The code blob's shape for one view of the recipe's size (the net's declared size when that varies). */
    private static Shape codeShape(NetParameter trunk, String top, InputRecipe input, Backend backend) {
        Net probe = Net.build(trunk, Phase.TEST, backend);
        String in = probe.inputNames().get(0);
        int[] view = input.viewSize();
        Shape declared = probe.inputShape(in);
        if (view != null) {
            probe.setInputShape(in, Shape.of(1, declared.dim(1), view[0], view[1]));
        } else {
            probe.setInputShape(in, declared.withDim(0, 1));
        }
        return probe.topShapesOf(probe.indexOf(lastWriter(probe, top))).get(0);
    }

    private static String lastWriter(Net net, String blob) {
        String writer = null;
        for (var l : net.layers()) {
            if (l.tops().contains(blob)) {
                writer = l.name();
            }
        }
        return writer;
    }

    /** The definition with its input's batch set to one image's views and its size to the view size. */
    private static NetParameter withInputBatch(NetParameter def, InputRecipe input) {
        NetParameter.Builder b = def.toBuilder();
        int[] view = input.viewSize();
        for (LayerParameter.Builder l : b.getLayerBuilderList()) {
            if (l.getType().equals("Input") && l.getInputParam().getShapeCount() > 0) {
                BlobShape.Builder s = l.getInputParamBuilder().getShapeBuilder(0);
                s.setDim(0, input.views());
                if (view != null && s.getDimCount() == 4) {
                    s.setDim(2, view[0]).setDim(3, view[1]);
                }
                break;
            }
        }
        return b.build();
    }

    private static String sha1(Path file) {
        try {
            return Fetcher.digest(file, "SHA-1");
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read: " + e.getMessage(), e);
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
        return new Provenance(deploy.toString(), weights == null ? null : weights.toString(), weightsSha1, spec.layer(),
                spec.activation().id(), pooling.id(), input.describe(), engine(), null);
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

    public CodeSpec spec() {
        return spec;
    }

    /** The pooling in effect: the spec's, or none when the code blob has no spatial extent. */
    public CodeSpec.Pooling pooling() {
        return pooling;
    }

    public InputRecipe input() {
        return input;
    }

    /** The code net's definition (normalized, V2 layers, the input batch set to one image's views). */
    public NetParameter definition() {
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

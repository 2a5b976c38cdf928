package org.cortado.finetune;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.cortado.backend.CounterRng;
import org.cortado.data.Batch;
import org.cortado.data.BatchLoader;
import org.cortado.data.DecodeWarning;
import org.cortado.data.Hdf5Data;
import org.cortado.data.ImageDataset;
import org.cortado.data.LabeledImage;
import org.cortado.data.LoaderOptions;
import org.cortado.data.Skipped;
import org.cortado.image.ImageTransformer;
import org.cortado.image.TransformSpec;
import org.cortado.layers.Phase;
import org.cortado.net.Net;
import org.cortado.tensor.Device;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * Feeds a training net: training batches in a seeded order per epoch with seeded augmentation, and in-order
 * inference passes over a data set (validation, linear-probe codes).
 *
 * <p>Epoch {@code e} visits the training images in the order of a Fisher-Yates shuffle drawn from
 * {@code CounterRng} stream {@code (seed, ORDER, e)}, in batches of the settings' batch size; the image at position
 * {@code p} is transformed with the loader's per-sample seed of {@code (seed, AUGMENT)}, {@code e} and {@code p}. Batch
 * {@code b} of the run is batch {@code b % batchesPerEpoch} of epoch {@code b / batchesPerEpoch}, whatever came
 * before, so that a resumed run is fed what the uninterrupted one was.
 *
 * <p>When the net starts with a {@link StaticPrefix} and the augmentation has finitely many views (mirroring, no
 * random crop), the prefix's outputs are computed once per image and view and training runs only the rest of the
 * net: the same values as recomputing them, at a fraction of the cost.
 */
final class DataFeed implements AutoCloseable {
    static final long STREAM_ORDER = 1;
    static final long STREAM_AUGMENT = 2;

    /** One training pass: mean loss and accuracy over its images. */
    record Pass(double loss, int images, double accuracy) {
    }

    /** Sees the net after each inference batch; {@code samples} are positions in the data set. */
    interface Visitor {
        void batch(Net net, int[] labels, int[] samples);
    }

    /**
     * The blobs a feed fills (the images and their labels) and reads (the batch's accuracy, null when the net has
     * none). {@code labelWidth} 0: a class index per image, shape {@code (n)}; K: a target vector of K values per
     * image ({@link Hdf5Data#target}), shape {@code (n, K)}.
     */
    record Blobs(String data, String label, String accuracy, int labelWidth) {
        /** Class labels. */
        Blobs(String data, String label, String accuracy) {
            this(data, label, accuracy, 0);
        }

        Shape labelShape(int n) {
            return labelWidth == 0 ? Shape.of(n) : Shape.of(n, labelWidth);
        }

        /** The label blob's values for {@code samples}, in order. */
        Tensor labels(List<LabeledImage> samples) {
            int w = Math.max(1, labelWidth);
            float[] v = new float[samples.size() * w];
            for (int i = 0; i < samples.size(); i++) {
                if (labelWidth == 0) {
                    v[i] = samples.get(i).label();
                } else {
                    System.arraycopy(Hdf5Data.target(samples.get(i)), 0, v, i * w, w);
                }
            }
            return Tensor.wrap(labelShape(samples.size()), v);
        }
    }

    /**
     * What a feed loads and how: {@code Settings.of(train, trainTransform, evalTransform, loading)}, then
     * {@link #withSeed} and {@link #withPrefixCache} where wanted.
     *
     * @param train          the training images
     * @param trainTransform their transform in training (random mirror, maybe random crop)
     * @param evalTransform  the transform of inference passes over other data sets (validation)
     * @param loading        batch size, decoding threads and prefetch; each loader's seed, epoch and pixel mode are
     *                       the feed's
     * @param seed           seed of the training order and the augmentation
     * @param cachePrefix    compute a static prefix's outputs once per image and view where the augmentation allows
     * @param alsoCache      the data sets besides {@code train} whose prefix outputs are cached too
     */
    record Settings(ImageDataset train, TransformSpec trainTransform, TransformSpec evalTransform,
            LoaderOptions loading, long seed, boolean cachePrefix, List<ImageDataset> alsoCache) {
        Settings {
            alsoCache = List.copyOf(alsoCache);
        }

        /** Seed 0, no prefix cache. */
        static Settings of(ImageDataset train, TransformSpec trainTransform, TransformSpec evalTransform,
                LoaderOptions loading) {
            return new Settings(train, trainTransform, evalTransform, loading, 0, false, List.of());
        }

        Settings withSeed(long seed) {
            return new Settings(train, trainTransform, evalTransform, loading, seed, cachePrefix, alsoCache);
        }

        /** The prefix cache on, for {@code train} and {@code alsoCache}. */
        Settings withPrefixCache(List<ImageDataset> alsoCache) {
            return new Settings(train, trainTransform, evalTransform, loading, seed, true, alsoCache);
        }
    }

    private final Net net;
    private final Blobs blobs;
    private final ImageDataset train;
    private final ImageTransformer trainTransform;
    private final ImageTransformer evalTransform;
    private final LoaderOptions loading;
    private final long seed;
    private final long augmentSeed;
    private final Map<String, Skipped> skipped = new LinkedHashMap<>();
    private final Map<String, DecodeWarning> warnings = new LinkedHashMap<>();
    private final PrefixCache cache;
    private BatchLoader loader;
    private List<LabeledImage> loaderSamples;
    private long loaderEpoch = -1;
    private int loaderNext;

    DataFeed(Net net, Blobs blobs, Settings settings) {
        this.net = net;
        this.blobs = blobs;
        this.train = settings.train();
        this.trainTransform = new ImageTransformer(settings.trainTransform());
        this.evalTransform = new ImageTransformer(settings.evalTransform());
        // Batches come as pixels for the backend to transform on a device other than the host's, where that moves a
        // quarter of the bytes; on the CPU the loader's threads transform in parallel instead.
        this.loading = settings.loading().withSeed(0, 0).withPixelMode(!net.backend().device().equals(Device.CPU));
        this.seed = settings.seed();
        this.augmentSeed = CounterRng.derive(seed, STREAM_AUGMENT);
        StaticPrefix prefix = StaticPrefix.of(net);
        TransformSpec trainSpec = settings.trainTransform();
        boolean finiteViews = !(trainSpec.randomCrop() && trainSpec.cropHeight() > 0);
        this.cache = settings.cachePrefix() && finiteViews && prefix.worthCaching(net)
                && !readAfter(net, prefix, blobs.data()) ? new PrefixCache(net, prefix, blobs, settings.loading())
                : null;
        if (cache != null) {
            cache.add(train, trainSpec.deterministic(), trainSpec.mirror(), this::skip, this::warn);
            for (ImageDataset d : settings.alsoCache()) {
                cache.add(d, settings.evalTransform(), false, this::skip, this::warn);
            }
        }
    }

    /** Whether a layer after the prefix reads the image input itself (then the prefix alone cannot stand for it). */
    private static boolean readAfter(Net net, StaticPrefix prefix, String blob) {
        for (int j = prefix.last() + 1; j < net.layers().size(); j++) {
            if (net.layers().get(j).bottoms().contains(blob)) {
                return true;
            }
        }
        return false;
    }

    /** Whether training runs on cached outputs of a static prefix, and where that prefix ends. */
    String cachedThrough() {
        return cache == null ? null : net.layers().get(cache.prefix().last()).name();
    }

    int batchesPerEpoch() {
        return (train.size() + loading.batchSize() - 1) / loading.batchSize();
    }

    /** Files left out so far (did not decode, too small), each once. */
    List<Skipped> skipped() {
        return List.copyOf(skipped.values());
    }

    private void skip(Skipped s) {
        skipped.putIfAbsent(s.file().toString(), s);
    }

    /** Files used despite decoder warnings so far, each once. */
    List<DecodeWarning> warnings() {
        return List.copyOf(warnings.values());
    }

    private void warn(DecodeWarning w) {
        warnings.putIfAbsent(w.file().toString(), w);
    }

    private void note(Batch b) {
        b.skipped().forEach(this::skip);
        b.warnings().forEach(this::warn);
    }

    /** The training order of epoch {@code epoch}: a permutation of the sample indices. */
    int[] order(long epoch) {
        int n = train.size();
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        long s = CounterRng.derive(CounterRng.derive(seed, STREAM_ORDER), epoch);
        for (int i = n - 1; i > 0; i--) {
            int j = CounterRng.uniformInt(s, i, i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    /** Forward and backward of batch {@code b} of the run in TRAIN mode (the net's random state set by the caller). */
    Pass trainPass(long b) {
        long epoch = b / batchesPerEpoch();
        int position = (int) (b % batchesPerEpoch());
        net.setMode(Phase.TRAIN);
        int images = cache != null ? cachedTrainForward(epoch, position) : loadedTrainForward(epoch, position);
        if (images == 0) {
            return new Pass(0, 0, 0);
        }
        double loss = net.loss();
        net.backward();
        double accuracy = blobs.accuracy() == null ? Double.NaN
                : net.backend().download(net.blob(blobs.accuracy())).hostData()[0];
        return new Pass(loss, images, accuracy);
    }

    private int loadedTrainForward(long epoch, int position) {
        if (loader == null || loaderEpoch != epoch || loaderNext > position) {
            closeLoader();
            loaderSamples = ordered(epoch);
            loader = new BatchLoader(loaderSamples, trainTransform, loading.withSeed(augmentSeed, epoch));
            loaderEpoch = epoch;
            loaderNext = 0;
        }
        Batch next = null;
        while (loaderNext <= position) {
            // Batches before the wanted one are only there after a resume in mid-epoch: decoded and dropped.
            next = loader.next();
            loaderNext++;
        }
        note(next);
        if (next.size() == 0) {
            return 0;
        }
        net.forward(Map.of(blobs.data(), next.input(net.backend()), blobs.label(),
                labels(loaderSamples, next.sampleIndices())));
        return next.size();
    }

    private int cachedTrainForward(long epoch, int position) {
        int[] order = order(epoch);
        int start = position * loading.batchSize();
        int end = Math.min(order.length, start + loading.batchSize());
        List<Integer> samples = new ArrayList<>();
        List<Integer> views = new ArrayList<>();
        for (int p = start; p < end; p++) {
            int sample = order[p];
            if (!cache.has(train, sample)) {
                continue;
            }
            int[] size = cache.resizedSize(train, sample);
            boolean mirrored = trainTransform.placement(size[0], size[1],
                    ImageTransformer.sampleSeed(augmentSeed, epoch, p)).mirrored();
            samples.add(sample);
            views.add(mirrored ? 1 : 0);
        }
        return cache.forward(train, samples, views);
    }

    /** Runs every usable image of {@code set} through the net in TEST mode, in order, calling {@code visitor}. */
    void infer(ImageDataset set, Visitor visitor) {
        net.setMode(Phase.TEST);
        if (cache != null && cache.covers(set)) {
            List<Integer> usable = new ArrayList<>();
            for (int i = 0; i < set.size(); i++) {
                if (cache.has(set, i)) {
                    usable.add(i);
                }
            }
            for (int s = 0; s < usable.size(); s += loading.batchSize()) {
                List<Integer> part = usable.subList(s, Math.min(usable.size(), s + loading.batchSize()));
                cache.forward(set, part, java.util.Collections.nCopies(part.size(), 0));
                int[] labels = part.stream().mapToInt(i -> set.samples().get(i).label()).toArray();
                visitor.batch(net, labels, part.stream().mapToInt(Integer::intValue).toArray());
            }
            return;
        }
        ImageTransformer transform = set == train ? new ImageTransformer(trainTransform.spec().deterministic())
                : evalTransform;
        try (BatchLoader l = new BatchLoader(set.samples(), transform, loading)) {
            while (l.hasNext()) {
                Batch b = l.next();
                note(b);
                if (b.size() == 0) {
                    continue;
                }
                net.forward(Map.of(blobs.data(), b.input(net.backend()), blobs.label(),
                        labels(set.samples(), b.sampleIndices())));
                visitor.batch(net, b.labels(), b.sampleIndices());
            }
        }
    }

    /** The training images in epoch {@code epoch}'s order. */
    private List<LabeledImage> ordered(long epoch) {
        List<LabeledImage> ordered = new ArrayList<>();
        for (int i : order(epoch)) {
            ordered.add(train.samples().get(i));
        }
        return ordered;
    }

    /** The label blob of the samples at {@code indices} of {@code samples}. */
    private Tensor labels(List<LabeledImage> samples, int[] indices) {
        List<LabeledImage> batch = new ArrayList<>();
        for (int i : indices) {
            batch.add(samples.get(i));
        }
        return blobs.labels(batch);
    }

    private void closeLoader() {
        if (loader != null) {
            loader.close();
            loader = null;
        }
    }

    @Override
    public void close() {
        closeLoader();
    }
}

package org.cortado.finetune;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.cortado.backend.CounterRng;
import org.cortado.data.Batch;
import org.cortado.data.BatchLoader;
import org.cortado.data.DecodeWarning;
import org.cortado.data.ImageDataset;
import org.cortado.data.LabeledImage;
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
 * {@code CounterRng} stream {@code (seed, ORDER, e)}, in batches of {@code batch}; the image at position {@code p}
 * is transformed with the loader's per-sample seed of {@code (seed, AUGMENT)}, {@code e} and {@code p}. Batch
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

    private final Net net;
    private final String dataBlob;
    private final String labelBlob;
    private final String accuracyBlob;
    private final ImageDataset train;
    private final ImageTransformer trainTransform;
    private final ImageTransformer evalTransform;
    private final int batch;
    private final int threads;
    private final long seed;
    private final long augmentSeed;
    private final Map<String, Skipped> skipped = new LinkedHashMap<>();
    private final Map<String, DecodeWarning> warnings = new LinkedHashMap<>();
    private final PrefixCache cache;
    private BatchLoader loader;
    private long loaderEpoch = -1;
    private int loaderNext;

    DataFeed(Net net, String dataBlob, String labelBlob, String accuracyBlob, ImageDataset train,
             TransformSpec trainSpec, TransformSpec evalSpec, int batch, int threads, long seed, boolean useCache,
             List<ImageDataset> alsoCache) {
        this.net = net;
        this.dataBlob = dataBlob;
        this.labelBlob = labelBlob;
        this.accuracyBlob = accuracyBlob;
        this.train = train;
        this.trainTransform = new ImageTransformer(trainSpec);
        this.evalTransform = new ImageTransformer(evalSpec);
        this.batch = batch;
        this.threads = threads;
        this.seed = seed;
        this.augmentSeed = CounterRng.derive(seed, STREAM_AUGMENT);
        StaticPrefix prefix = StaticPrefix.of(net);
        boolean finiteViews = !(trainSpec.randomCrop() && trainSpec.cropHeight() > 0);
        this.cache = useCache && finiteViews && prefix.worthCaching(net) && !readAfter(net, prefix, dataBlob)
                ? new PrefixCache(net, prefix, dataBlob, labelBlob, batch, threads) : null;
        if (cache != null) {
            cache.add(train, trainSpec.deterministic(), trainSpec.mirror(), this::skip, this::warn);
            for (ImageDataset d : alsoCache) {
                cache.add(d, evalSpec, false, this::skip, this::warn);
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
        return (train.size() + batch - 1) / batch;
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
        double accuracy = net.backend().download(net.blob(accuracyBlob)).hostData()[0];
        return new Pass(loss, images, accuracy);
    }

    private int loadedTrainForward(long epoch, int position) {
        if (loader == null || loaderEpoch != epoch || loaderNext > position) {
            closeLoader();
            List<LabeledImage> ordered = new ArrayList<>();
            for (int i : order(epoch)) {
                ordered.add(train.samples().get(i));
            }
            loader = new BatchLoader(ordered, trainTransform, batch, threads, 2, augmentSeed, epoch, pixelMode());
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
        net.forward(Map.of(dataBlob, next.input(net.backend()), labelBlob, labels(next.labels())));
        return next.size();
    }

    private int cachedTrainForward(long epoch, int position) {
        int[] order = order(epoch);
        int start = position * batch;
        int end = Math.min(order.length, start + batch);
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
            for (int s = 0; s < usable.size(); s += batch) {
                List<Integer> part = usable.subList(s, Math.min(usable.size(), s + batch));
                cache.forward(set, part, java.util.Collections.nCopies(part.size(), 0));
                int[] labels = part.stream().mapToInt(i -> set.samples().get(i).label()).toArray();
                visitor.batch(net, labels, part.stream().mapToInt(Integer::intValue).toArray());
            }
            return;
        }
        ImageTransformer transform = set == train ? new ImageTransformer(trainTransform.spec().deterministic())
                : evalTransform;
        try (BatchLoader l = new BatchLoader(set.samples(), transform, batch, threads, 2, 0, 0, pixelMode())) {
            while (l.hasNext()) {
                Batch b = l.next();
                note(b);
                if (b.size() == 0) {
                    continue;
                }
                net.forward(Map.of(dataBlob, b.input(net.backend()), labelBlob, labels(b.labels())));
                visitor.batch(net, b.labels(), b.sampleIndices());
            }
        }
    }

    /**
     * Whether batches come as pixels for the backend to transform: on a device other than the host's, where that
     * moves a quarter of the bytes; on the CPU the loader's threads transform in parallel instead.
     */
    private boolean pixelMode() {
        return !net.backend().device().equals(Device.CPU);
    }

    private Tensor labels(int[] labels) {
        float[] v = new float[labels.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = labels[i];
        }
        return Tensor.wrap(Shape.of(v.length), v);
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

package org.cortado.finetune;

import java.util.IdentityHashMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.cortado.backend.Backend;
import org.cortado.data.Batch;
import org.cortado.data.BatchLoader;
import org.cortado.data.DecodeWarning;
import org.cortado.data.ImageDataset;
import org.cortado.data.LabeledImage;
import org.cortado.data.LoaderOptions;
import org.cortado.data.Skipped;
import org.cortado.image.ImageTransformer;
import org.cortado.image.TransformSpec;
import org.cortado.net.Net;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * The outputs of a {@link StaticPrefix} for every image of some data sets, per view (view 0: the deterministic
 * transform; view 1: the same, mirrored, which is exactly what the random mirror of Caffe's transform yields, since
 * it mirrors the mean-subtracted crop as a whole). Running the rest of the net from these gives what running the
 * whole net would, because the prefix computes each image on its own.
 */
final class PrefixCache {
    /** Per sample of one data set: per view, per crossing blob, the sample's values; null for skipped files. */
    private record Entry(float[][][][] values, int[] imageShape) {
    }

    private final Net net;
    private final StaticPrefix prefix;
    private final DataFeed.Blobs blobs;
    private final LoaderOptions loading;
    private final Map<ImageDataset, Entry> sets = new IdentityHashMap<>();

    /** {@code loading}: batch size and threads of the passes that fill the cache (they transform on the host). */
    PrefixCache(Net net, StaticPrefix prefix, DataFeed.Blobs blobs, LoaderOptions loading) {
        this.net = net;
        this.prefix = prefix;
        this.blobs = blobs;
        this.loading = loading.withSeed(0, 0).withPixelMode(false);
    }

    StaticPrefix prefix() {
        return prefix;
    }

    /**
     * Computes and keeps the prefix outputs of every image of {@code set} under {@code spec} (and mirrored), telling
     * {@code skipped} of the images left out and {@code warnings} of those used despite decoder warnings.
     */
    void add(ImageDataset set, TransformSpec spec, boolean mirroredToo, Consumer<Skipped> skipped,
            Consumer<DecodeWarning> warnings) {
        int views = mirroredToo ? 2 : 1;
        float[][][][] values = new float[set.size()][][][];
        int[] imageShape = null;
        String last = net.layers().get(prefix.last()).name();
        Backend backend = net.backend();
        try (BatchLoader loader = new BatchLoader(set.samples(), new ImageTransformer(spec), loading)) {
            while (loader.hasNext()) {
                Batch b = loader.next();
                b.skipped().forEach(skipped);
                b.warnings().forEach(warnings);
                int n = b.size();
                if (n == 0) {
                    continue;
                }
                imageShape = b.data().shape().dims();
                for (int v = 0; v < views; v++) {
                    Tensor data = v == 0 ? b.data() : mirror(b.data());
                    net.forwardTo(Map.of(blobs.data(), data, blobs.label(), Tensor.zeros(blobs.labelShape(n))), last);
                    for (int c = 0; c < prefix.crossing().size(); c++) {
                        int[] ref = prefix.crossing().get(c);
                        Tensor t = net.topsOf(ref[0]).get(ref[1]);
                        if (t.shape().dim(0) != n) {
                            throw new IllegalStateException("cached blob of layer '" + net.layers().get(ref[0]).name()
                                    + "' has shape " + t.shape() + ", not one row per image of the batch of " + n);
                        }
                        float[] host = backend.download(t).hostData();
                        int per = t.count() / n;
                        for (int k = 0; k < n; k++) {
                            int sample = b.sampleIndices()[k];
                            if (values[sample] == null) {
                                values[sample] = new float[views][prefix.crossing().size()][];
                            }
                            values[sample][v][c] = java.util.Arrays.copyOfRange(host, k * per, (k + 1) * per);
                        }
                    }
                }
            }
        }
        sets.put(set, new Entry(values, imageShape));
    }

    boolean covers(ImageDataset set) {
        return sets.containsKey(set);
    }

    /** Whether sample {@code i} of {@code set} has cached values (it decoded). */
    boolean has(ImageDataset set, int i) {
        return sets.get(set).values()[i] != null;
    }

    /** The (H, W) of the transformed images (all alike: the cache needs a fixed output size). */
    int[] resizedSize(ImageDataset set, int i) {
        int[] s = sets.get(set).imageShape();
        return new int[] {s[2], s[3]};
    }

    /**
     * Sets the net's crossing blobs to the cached values of {@code samples} (views as given) and their labels, and
     * runs the layers after the prefix. Returns the number of images.
     */
    int forward(ImageDataset set, List<Integer> samples, List<Integer> views) {
        int n = samples.size();
        if (n == 0) {
            return 0;
        }
        Entry entry = sets.get(set);
        int[] s = entry.imageShape();
        net.setInputShapes(Map.of(blobs.data(), Shape.of(n, s[1], s[2], s[3]), blobs.label(), blobs.labelShape(n)));
        Backend backend = net.backend();
        List<LabeledImage> batch = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            batch.add(set.samples().get(samples.get(k)));
        }
        backend.copy(backend.upload(blobs.labels(batch)), net.input(blobs.label()));
        for (int c = 0; c < prefix.crossing().size(); c++) {
            int[] ref = prefix.crossing().get(c);
            Tensor target = net.topsOf(ref[0]).get(ref[1]);
            int per = target.count() / n;
            float[] host = new float[target.count()];
            for (int k = 0; k < n; k++) {
                System.arraycopy(entry.values()[samples.get(k)][views.get(k)][c], 0, host, k * per, per);
            }
            backend.copy(backend.upload(Tensor.wrap(target.shape(), host)), target);
        }
        net.forwardFrom(prefix.firstTrainedLayer(net));
        return n;
    }

    /** The images of {@code data} (N, C, H, W) flipped left to right. */
    static Tensor mirror(Tensor data) {
        int w = data.shape().dim(3);
        int rows = data.count() / w;
        float[] src = data.hostData();
        float[] dst = new float[data.count()];
        for (int r = 0; r < rows; r++) {
            for (int x = 0; x < w; x++) {
                dst[r * w + x] = src[r * w + w - 1 - x];
            }
        }
        return Tensor.wrap(data.shape(), dst);
    }
}

package org.cortado.data;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.cortado.image.BgrImage;
import org.cortado.image.ImageDecodeException;
import org.cortado.image.ImageDecoder;
import org.cortado.image.ImageTransformer;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * Decodes and transforms images on a pool of threads and hands out batches in input order, so that a net's forward
 * pass on one batch overlaps the decoding of the next ones. At most {@code prefetch} batches are in flight (decoded
 * or being decoded) beyond the one being consumed, which bounds memory.
 *
 * <p>Files that do not decode, or are too small for the crop, become {@link Skipped} entries of their batch; they
 * never abort the run. Random transforms are seeded per sample ({@link ImageTransformer#sampleSeed} of the seed, the
 * epoch and the sample's position), so the output does not depend on the thread count.
 */
public final class BatchLoader implements Iterator<Batch>, AutoCloseable {
    private final List<LabeledImage> samples;
    private final ImageTransformer transformer;
    private final int batchSize;
    private final int prefetch;
    private final long seed;
    private final long epoch;
    private final ExecutorService pool;
    private final ArrayDeque<List<Future<Item>>> inFlight = new ArrayDeque<>();
    private final int[] outputSize;
    private int submitted;
    private int delivered;

    /** The outcome of one image. */
    private sealed interface Item {
    }

    private record Ready(float[] chw, int height, int width) implements Item {
    }

    private record Failed(String reason) implements Item {
    }

    /**
     * @param samples     the images, in the order batches will follow (not copied; do not modify while loading)
     * @param transformer the transform applied to each image
     * @param batchSize   images per batch (the last batch may be smaller)
     * @param threads     decoding threads
     * @param prefetch    batches decoded ahead of the consumer, at least 1
     * @param seed        seed of random transforms
     * @param epoch       epoch number mixed into per-sample seeds
     */
    public BatchLoader(List<LabeledImage> samples, ImageTransformer transformer, int batchSize, int threads,
            int prefetch, long seed, long epoch) {
        if (batchSize < 1 || threads < 1 || prefetch < 1) {
            throw new IllegalArgumentException("batch size, threads and prefetch must be positive, got " + batchSize
                    + ", " + threads + ", " + prefetch);
        }
        this.outputSize = transformer.spec().fixedOutputSize();
        if (outputSize == null && batchSize > 1) {
            throw new IllegalArgumentException("the transform (" + transformer.spec().describe()
                    + ") gives images of varying size; set a crop or a fixed resize to batch them");
        }
        this.samples = samples;
        this.transformer = transformer;
        this.batchSize = batchSize;
        this.prefetch = prefetch;
        this.seed = seed;
        this.epoch = epoch;
        AtomicInteger n = new AtomicInteger();
        this.pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "cortado-decode-" + n.getAndIncrement());
            t.setDaemon(true);
            return t;
        });
    }

    /** A loader with the default prefetch of two batches, for one pass over {@code samples}. */
    public static BatchLoader of(List<LabeledImage> samples, ImageTransformer transformer, int batchSize,
            int threads) {
        return new BatchLoader(samples, transformer, batchSize, threads, 2, 0, 0);
    }

    /** The number of batches this loader yields. */
    public int batchCount() {
        return (samples.size() + batchSize - 1) / batchSize;
    }

    @Override
    public boolean hasNext() {
        return delivered < batchCount();
    }

    @Override
    public Batch next() {
        if (!hasNext()) {
            throw new NoSuchElementException("all " + batchCount() + " batches delivered");
        }
        topUp();
        List<Future<Item>> futures = inFlight.poll();
        int start = delivered * batchSize;
        List<Item> items = new ArrayList<>(futures.size());
        for (Future<Item> f : futures) {
            items.add(await(f));
        }
        Batch b = assemble(delivered, start, items);
        delivered++;
        topUp();
        return b;
    }

    private void topUp() {
        while (submitted < batchCount() && submitted - delivered < prefetch + 1) {
            int start = submitted * batchSize;
            int end = Math.min(samples.size(), start + batchSize);
            List<Future<Item>> futures = new ArrayList<>(end - start);
            for (int i = start; i < end; i++) {
                int index = i;
                futures.add(pool.submit(() -> load(index)));
            }
            inFlight.add(futures);
            submitted++;
        }
    }

    private Item load(int index) {
        Path file = samples.get(index).file();
        BgrImage img;
        try {
            img = ImageDecoder.decode(file);
        } catch (ImageDecodeException e) {
            return new Failed(e.reason());
        }
        String why = transformer.rejection(img);
        if (why != null) {
            return new Failed(why);
        }
        int[] size = transformer.spec().outputSize(img.height(), img.width());
        return new Ready(transformer.apply(img, ImageTransformer.sampleSeed(seed, epoch, index)), size[0], size[1]);
    }

    private static Item await(Future<Item> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for images", e);
        } catch (ExecutionException e) {
            // Only bugs get here: decoding failures are Failed items.
            throw new IllegalStateException("image loading failed: " + e.getCause(), e.getCause());
        }
    }

    private Batch assemble(int index, int start, List<Item> items) {
        int ok = (int) items.stream().filter(it -> it instanceof Ready).count();
        int[] size = outputSize != null ? outputSize : readySize(items);
        int per = 3 * size[0] * size[1];
        float[] data = new float[ok * per];
        int[] labels = new int[ok];
        int[] positions = new int[ok];
        List<Path> files = new ArrayList<>(ok);
        List<Skipped> skipped = new ArrayList<>();
        int row = 0;
        for (int k = 0; k < items.size(); k++) {
            LabeledImage s = samples.get(start + k);
            if (items.get(k) instanceof Ready r) {
                System.arraycopy(r.chw(), 0, data, row * per, per);
                labels[row] = s.label();
                positions[row] = start + k;
                files.add(s.file());
                row++;
            } else if (items.get(k) instanceof Failed f) {
                skipped.add(new Skipped(s.file(), f.reason()));
            }
        }
        Tensor t = Tensor.wrap(Shape.of(ok, 3, size[0], size[1]), data);
        return new Batch(index, t, labels, files, positions, skipped);
    }

    /** The size of a variable-size transform's single image (batch size 1), or 0x0 when it was skipped. */
    private static int[] readySize(List<Item> items) {
        for (Item it : items) {
            if (it instanceof Ready r) {
                return new int[] {r.height(), r.width()};
            }
        }
        return new int[] {0, 0};
    }

    /** Stops the decoding threads; pending work is dropped. */
    @Override
    public void close() {
        pool.shutdownNow();
    }
}

package org.cortado.data;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.cortado.image.BgrImage;
import org.cortado.image.DecodedImage;
import org.cortado.image.ImageDecodeException;
import org.cortado.image.ImageTransformer;
import org.cortado.image.PixelBatch;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * Decodes and transforms images on a pool of threads and hands out batches in input order, so that a net's forward
 * pass on one batch overlaps the decoding of the next ones. At most {@code prefetch} batches are in flight (decoded
 * or being decoded) beyond the one being consumed, which bounds memory.
 *
 * <p>In pixel mode the threads decode and resize only, and a batch carries the 8-bit pixels and each image's crop
 * ({@link Batch#pixels}) for the net's backend to transform on its device ({@link Batch#input}): a GPU then receives a
 * quarter of the bytes, and the host skips the float conversion. The values are the same as the host transform's.
 *
 * <p>An image that fails in any way (does not decode, is larger than the pixel limit, resizes to more than it or to
 * less than the crop, or meets an error or runs out of memory in its transform) becomes a {@link Skipped} entry of
 * its batch with the reason; it never aborts the run. An image decoded despite damage (a truncated JPEG) is used and
 * listed in its batch's {@link Batch#warnings}. Samples that are the net's input already ({@link StoredBlob}: HDF5 rows)
 * are read and batched as they are, on the host, without the transform. Random transforms are seeded per sample ({@link ImageTransformer#sampleSeed} of the seed, the
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
    private final boolean pixelMode;
    private final boolean blobs;
    private int submitted;
    private int delivered;

    /** The outcome of one image. */
    private sealed interface Item {
    }

    /** An image transformed on the host, or a blob; {@code warning} is what its decoder warned of, or null. */
    private record Ready(float[] chw, int channels, int height, int width, String warning) implements Item {
    }

    /** Pixel mode: the image resized, its crop placed, not yet transformed. */
    private record Prepared(PixelBatch image, String warning) implements Item {
    }

    private record Failed(String reason) implements Item {
    }

    /**
     * @param samples     the images, in the order batches will follow (not copied; do not modify while loading)
     * @param transformer the transform applied to each image
     * @param options     batch size, threads, prefetch, seeds and pixel mode
     */
    public BatchLoader(List<LabeledImage> samples, ImageTransformer transformer, LoaderOptions options) {
        // A data set's samples are all blobs or all images: a source gives one kind.
        this.blobs = !samples.isEmpty() && samples.get(0).stored() instanceof StoredBlob;
        this.outputSize = blobs ? null : transformer.spec().fixedOutputSize();
        if (!blobs && outputSize == null && options.batchSize() > 1) {
            throw new IllegalArgumentException("the transform (" + transformer.spec().describe()
                    + ") gives images of varying size; set a crop or a fixed resize to batch them");
        }
        this.samples = samples;
        this.transformer = transformer;
        this.batchSize = options.batchSize();
        this.prefetch = options.prefetch();
        this.seed = options.seed();
        this.epoch = options.epoch();
        this.pixelMode = options.pixelMode() && !blobs;
        AtomicInteger n = new AtomicInteger();
        this.pool = Executors.newFixedThreadPool(options.threads(), r -> {
            Thread t = new Thread(r, "cortado-decode-" + n.getAndIncrement());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * The loader of {@code new LoaderOptions(batchSize, threads, prefetch, seed, epoch, pixelMode)}.
     *
     * @deprecated positional settings; use {@link #BatchLoader(List, ImageTransformer, LoaderOptions)}. Kept while
     *     the Spark module, written on another branch, still calls it.
     */
    @Deprecated(forRemoval = true)
    public BatchLoader(List<LabeledImage> samples, ImageTransformer transformer, int batchSize, int threads,
            int prefetch, long seed, long epoch, boolean pixelMode) {
        this(samples, transformer, new LoaderOptions(batchSize, threads, prefetch, seed, epoch, pixelMode));
    }

    /** A loader with the default prefetch, for one pass over {@code samples}. */
    public static BatchLoader of(List<LabeledImage> samples, ImageTransformer transformer, int batchSize,
            int threads) {
        return new BatchLoader(samples, transformer, LoaderOptions.of(batchSize, threads));
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
        try {
            if (samples.get(index).stored() instanceof StoredBlob blob) {
                int[] s = blob.shape();
                return new Ready(blob.read(samples.get(index).file()), s[0], s[1], s[2], null);
            }
            DecodedImage decoded = samples.get(index).decode();
            BgrImage img = decoded.image();
            String why = transformer.rejection(img);
            if (why != null) {
                return new Failed(why);
            }
            long sampleSeed = ImageTransformer.sampleSeed(seed, epoch, index);
            if (pixelMode) {
                return new Prepared(transformer.prepare(img, sampleSeed), decoded.warning());
            }
            int[] size = transformer.spec().outputSize(img.height(), img.width());
            return new Ready(transformer.apply(img, sampleSeed), BgrImage.CHANNELS, size[0], size[1],
                    decoded.warning());
        } catch (ImageDecodeException e) {
            return new Failed(e.reason());
        } catch (RuntimeException e) {
            // A case that decoding or the transform did not foresee: it costs this image, not the run.
            return new Failed("cannot be decoded and transformed: " + describe(e));
        } catch (OutOfMemoryError e) {
            // One image's arrays did not fit the heap; they are garbage now, so the run can go on without it.
            return new Failed("out of memory while decoding and transforming it (" + describe(e) + "); give Java more"
                    + " heap (-Xmx) or lower the pixel limit (--max-pixels)");
        }
    }

    private static String describe(Throwable e) {
        String msg = e.getMessage();
        return msg == null || msg.isBlank() ? e.getClass().getSimpleName() : msg + " (" + e.getClass().getSimpleName()
                + ")";
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
        List<Item> usable = new ArrayList<>();
        int[] labels = new int[items.size()];
        int[] positions = new int[items.size()];
        List<Path> files = new ArrayList<>();
        List<Skipped> skipped = new ArrayList<>();
        List<DecodeWarning> warnings = new ArrayList<>();
        for (int k = 0; k < items.size(); k++) {
            LabeledImage s = samples.get(start + k);
            Item item = items.get(k);
            if (item instanceof Failed f) {
                skipped.add(new Skipped(s.file(), f.reason()));
                continue;
            }
            labels[usable.size()] = s.label();
            positions[usable.size()] = start + k;
            files.add(s.file());
            usable.add(item);
            String warning = item instanceof Ready r ? r.warning() : ((Prepared) item).warning();
            if (warning != null) {
                warnings.add(new DecodeWarning(s.file(), warning));
            }
        }
        int ok = usable.size();
        labels = Arrays.copyOf(labels, ok);
        positions = Arrays.copyOf(positions, ok);
        PixelBatch pixels = pixelMode ? concatenate(usable) : null;
        Tensor data = pixels == null ? hostData(usable) : null;
        return new Batch(index, data, pixels, labels, files, positions, skipped, warnings);
    }

    /** The usable images transformed on the host (or blobs), as one (n, C, H, W) tensor. */
    private Tensor hostData(List<Item> usable) {
        int[] size = outputSize != null ? outputSize : usable.isEmpty() ? new int[] {0, 0} : itemSize(usable.get(0));
        int channels = usable.isEmpty() || !(usable.get(0) instanceof Ready r0) ? BgrImage.CHANNELS : r0.channels();
        // Shape refuses a batch of more floats than one array holds, before the array is made.
        Shape shape = Shape.of(usable.size(), channels, size[0], size[1]);
        int per = channels * size[0] * size[1];
        float[] data = new float[shape.count()];
        for (int row = 0; row < usable.size(); row++) {
            if (usable.get(row) instanceof Ready r) {
                System.arraycopy(r.chw(), 0, data, row * per, per);
            } else if (usable.get(row) instanceof Prepared p) {
                p.image().transformInto(data, row * per);
            }
        }
        return Tensor.wrap(shape, data);
    }

    private static int[] itemSize(Item it) {
        return it instanceof Ready r ? new int[] {r.height(), r.width()}
                : new int[] {((Prepared) it).image().cropHeight(), ((Prepared) it).image().cropWidth()};
    }

    /**
     * The usable images as one pixel batch, or null when there are none, they need different mean images (images
     * resized to different sizes with a mean image) or their pixels are more than one array holds: the host
     * transforms those.
     */
    private static PixelBatch concatenate(List<Item> usable) {
        if (usable.isEmpty()) {
            return null;
        }
        PixelBatch first = ((Prepared) usable.get(0)).image();
        long bytes = 0;
        for (Item it : usable) {
            PixelBatch p = ((Prepared) it).image();
            // ImageTransformer keeps one mean array per size, so the same array means the same mean.
            if (p.meanImage() != first.meanImage()) {
                return null;
            }
            bytes += p.pixels().length;
        }
        if (bytes > Integer.MAX_VALUE - 8) {
            return null;
        }
        byte[] pixels = new byte[(int) bytes];
        int[] layout = new int[usable.size() * PixelBatch.LAYOUT_INTS];
        int offset = 0;
        for (int i = 0; i < usable.size(); i++) {
            PixelBatch p = ((Prepared) usable.get(i)).image();
            System.arraycopy(p.pixels(), 0, pixels, offset, p.pixels().length);
            System.arraycopy(p.layout(), 0, layout, i * PixelBatch.LAYOUT_INTS, PixelBatch.LAYOUT_INTS);
            layout[i * PixelBatch.LAYOUT_INTS] = offset;
            offset += p.pixels().length;
        }
        return new PixelBatch(pixels, layout, first.cropHeight(), first.cropWidth(), first.meanValues(),
                first.meanImage(), first.scale());
    }

    /** Stops the decoding threads; pending work is dropped. */
    @Override
    public void close() {
        pool.shutdownNow();
    }
}

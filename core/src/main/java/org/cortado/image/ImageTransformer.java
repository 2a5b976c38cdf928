package org.cortado.image;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.SplittableRandom;

/**
 * Applies a {@link TransformSpec} to decoded images, producing the (3, H, W) float blob a net consumes.
 *
 * <p>Random crops and mirroring draw from a generator seeded per sample ({@link #sampleSeed}), so a batch comes out
 * the same whichever thread transformed which image. Thread-safe.
 */
public final class ImageTransformer {
    private final TransformSpec spec;
    /**
     * Floats of resized mean images kept for reuse. A fixed-size resize needs one; a shorter-side resize one per
     * aspect ratio met, and a thin image's can be hundreds of megabytes, so the least recently used go beyond this.
     */
    static final long MEAN_CACHE_FLOATS = 16L << 20;
    /** The mean image resized to image sizes met recently, least recently used first. */
    private final LinkedHashMap<Long, float[]> meanBySize = new LinkedHashMap<>(16, 0.75f, true);
    private long meanCacheFloats;

    public ImageTransformer(TransformSpec spec) {
        this.spec = spec;
    }

    public TransformSpec spec() {
        return spec;
    }

    /**
     * A seed for one sample of one epoch, mixed from the run's seed (SplitMix64 finaliser), so that neighbouring
     * samples get unrelated crops.
     */
    public static long sampleSeed(long seed, long epoch, long index) {
        long z = seed + 0x9E3779B97F4A7C15L * (epoch * 0x100000001B3L + index + 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * Why {@code img} cannot be transformed, or null when it can: resized, it would be larger than the pixel limit in
     * force ({@link PixelLimit}: a shorter-side resize makes a very thin image very long), or smaller than the crop.
     */
    public String rejection(BgrImage img) {
        int[] size;
        try {
            size = spec.resize().targetSize(img.height(), img.width());
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        String tooLarge = PixelLimit.refusal(size[0], size[1], PixelLimit.current(), "resized (" + spec.resize()
                + ") to ");
        if (tooLarge != null) {
            return "a " + img.height() + "x" + img.width() + " image " + tooLarge;
        }
        if (spec.cropHeight() > 0 && (size[0] < spec.cropHeight() || size[1] < spec.cropWidth())) {
            return "image of " + size[0] + "x" + size[1] + " (after resize " + spec.resize() + ") is smaller than the "
                    + spec.cropHeight() + "x" + spec.cropWidth() + " crop";
        }
        return null;
    }

    /**
     * The transformed image as a new (3, H, W) array.
     *
     * @throws IllegalArgumentException when the image cannot be transformed (see {@link #rejection})
     */
    public float[] apply(BgrImage img, long sampleSeed) {
        PixelBatch prepared = prepare(img, sampleSeed);
        // prepare() checked the size against the pixel limit, so this product fits an int.
        float[] dst = new float[BgrImage.CHANNELS * prepared.cropHeight() * prepared.cropWidth()];
        prepared.transformInto(dst, 0);
        return dst;
    }

    /**
     * Writes the transformed image into {@code dst} at {@code offset} (3 * H * W floats; modified).
     *
     * @throws IllegalArgumentException when the image cannot be transformed (see {@link #rejection})
     */
    public void apply(BgrImage img, long sampleSeed, float[] dst, int offset) {
        prepare(img, sampleSeed).transformInto(dst, offset);
    }

    /**
     * The image resized, with its crop placed and its mean, as a batch of one: everything but the arithmetic, which
     * {@link PixelBatch#transformInto} (on the host) or a backend's {@code transformPixels} (on its device) does.
     *
     * @throws IllegalArgumentException when the image cannot be transformed (see {@link #rejection})
     */
    public PixelBatch prepare(BgrImage img, long sampleSeed) {
        String why = rejection(img);
        if (why != null) {
            throw new IllegalArgumentException(why);
        }
        int[] size = spec.resize().targetSize(img.height(), img.width());
        BgrImage resized = Resize.linear(img, size[0], size[1]);
        int h = resized.height();
        int w = resized.width();
        Placement place = placement(h, w, sampleSeed);
        int[] out = spec.outputSize(img.height(), img.width());
        return new PixelBatch(resized.pixels(), new int[] {0, h, w, place.top(), place.left(), place.mirrored() ? 1 : 0},
                out[0], out[1], spec.meanValues(), spec.meanImage() == null ? null : meanAt(h, w), spec.scale());
    }

    /** Where the crop of one sample lies in its resized image, and whether it is mirrored. */
    public record Placement(int top, int left, boolean mirrored) {
    }

    /**
     * The crop offsets and mirroring of a sample whose resized image is {@code h x w}, as {@link #apply} uses them:
     * drawn from {@code sampleSeed} when the transform is random, centred and unmirrored otherwise. Training that
     * caches the outputs of a frozen prefix per view asks this which view a sample gets.
     */
    public Placement placement(int h, int w, long sampleSeed) {
        int ch = spec.cropHeight() > 0 ? spec.cropHeight() : h;
        int cw = spec.cropWidth() > 0 ? spec.cropWidth() : w;
        if (!spec.isRandom()) {
            return new Placement((h - ch) / 2, (w - cw) / 2, false);
        }
        SplittableRandom rng = new SplittableRandom(sampleSeed);
        int hOff = spec.randomCrop() ? rng.nextInt(h - ch + 1) : (h - ch) / 2;
        int wOff = spec.randomCrop() ? rng.nextInt(w - cw + 1) : (w - cw) / 2;
        return new Placement(hOff, wOff, spec.mirror() && rng.nextBoolean());
    }

    /** The mean image at the resized image's size: itself when sizes agree (Caffe's case), else resized bilinearly. */
    /** Floats of resized mean images kept now (at most {@link #MEAN_CACHE_FLOATS} beyond the newest). */
    long keptMeanFloats() {
        synchronized (meanBySize) {
            return meanCacheFloats;
        }
    }

    private float[] meanAt(int h, int w) {
        long key = ((long) h << 32) | w;
        synchronized (meanBySize) {
            float[] kept = meanBySize.get(key);
            if (kept != null) {
                return kept;
            }
        }
        var s = spec.meanImage().shape();
        float[] chw = Arrays.copyOf(spec.meanImage().hostData(), s.count());
        float[] resized = Resize.linear(chw, s.dim(0), s.dim(1), s.dim(2), h, w);
        synchronized (meanBySize) {
            // Another thread may have made it meanwhile: one array per size lets a pixel batch share it.
            float[] kept = meanBySize.putIfAbsent(key, resized);
            if (kept != null) {
                return kept;
            }
            meanCacheFloats += resized.length;
            var eldest = meanBySize.entrySet().iterator();
            while (meanCacheFloats > MEAN_CACHE_FLOATS && meanBySize.size() > 1) {
                meanCacheFloats -= eldest.next().getValue().length;
                eldest.remove();
            }
            return resized;
        }
    }
}

package org.cortado.data;

/**
 * How a {@link BatchLoader} loads: {@code LoaderOptions.of(batchSize, threads)} for one in-order pass of
 * deterministic transforms, and the withers for the rest ({@code .withSeed(seed, epoch)} for augmentation,
 * {@code .withPixelMode(true)} for a device that transforms).
 *
 * @param batchSize images per batch (the last batch may be smaller)
 * @param threads   decoding threads
 * @param prefetch  batches decoded ahead of the consumer, at least 1
 * @param seed      seed of random transforms
 * @param epoch     epoch number mixed into per-sample seeds
 * @param pixelMode leave the transform's arithmetic to the consumer's backend ({@link BatchLoader}'s pixel mode)
 */
public record LoaderOptions(int batchSize, int threads, int prefetch, long seed, long epoch, boolean pixelMode) {
    /** Batches decoded ahead unless told otherwise: one for the net, one more to absorb slow images. */
    public static final int DEFAULT_PREFETCH = 2;

    public LoaderOptions {
        if (batchSize < 1 || threads < 1 || prefetch < 1) {
            throw new IllegalArgumentException("batch size, threads and prefetch must be positive, got " + batchSize
                    + ", " + threads + ", " + prefetch);
        }
    }

    /** Batches of {@code batchSize} on {@code threads} decoding threads, the default prefetch, seed 0, epoch 0. */
    public static LoaderOptions of(int batchSize, int threads) {
        return new LoaderOptions(batchSize, threads, DEFAULT_PREFETCH, 0, 0, false);
    }

    public LoaderOptions withPrefetch(int prefetch) {
        return new LoaderOptions(batchSize, threads, prefetch, seed, epoch, pixelMode);
    }

    /** Random transforms seeded per sample from {@code seed}, {@code epoch} and the sample's position. */
    public LoaderOptions withSeed(long seed, long epoch) {
        return new LoaderOptions(batchSize, threads, prefetch, seed, epoch, pixelMode);
    }

    public LoaderOptions withPixelMode(boolean pixelMode) {
        return new LoaderOptions(batchSize, threads, prefetch, seed, epoch, pixelMode);
    }
}

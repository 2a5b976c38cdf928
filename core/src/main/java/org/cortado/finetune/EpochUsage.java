package org.cortado.finetune;

/**
 * Counts, per epoch of the training order, the batches run and the images they held, to tell when a whole epoch
 * held no usable image: then no image of the training set decodes, and training can only make empty steps.
 * Batches are numbered over the run ({@code epoch = batch / batchesPerEpoch}); an epoch begun before a resume is
 * not judged, since its first batches were run by another process.
 */
final class EpochUsage {
    private final int batchesPerEpoch;
    private long epoch = -1;
    /** Whether this process ran the current epoch from its first batch. */
    private boolean fromStart;
    private int batches;
    private long images;

    EpochUsage(int batchesPerEpoch) {
        this.batchesPerEpoch = batchesPerEpoch;
    }

    /** Records that batch {@code batch} held {@code n} usable images; true when its epoch is complete and held none. */
    boolean add(long batch, int n) {
        long e = batch / batchesPerEpoch;
        if (e != epoch) {
            epoch = e;
            fromStart = batch % batchesPerEpoch == 0;
            batches = 0;
            images = 0;
        }
        batches++;
        images += n;
        return fromStart && batches == batchesPerEpoch && images == 0;
    }
}

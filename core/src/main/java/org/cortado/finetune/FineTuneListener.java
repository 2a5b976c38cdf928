package org.cortado.finetune;

/** Hears how a fine-tuning run goes; every method does nothing unless overridden. */
public interface FineTuneListener {
    /**
     * The training net, once built, its weights loaded and its multipliers set: for callers that inspect it, such
     * as the test that shows frozen layers never run backward.
     */
    default void built(org.cortado.net.Net net) {
    }

    /** A line worth telling the user (what was built, frozen, cached, written). */
    default void message(String line) {
    }

    /**
     * After each solver iteration.
     *
     * @param loss            the iteration's mean training loss
     * @param learningRate    the base rate used
     * @param imagesPerSecond training throughput since the (resumed) run started
     * @param etaSeconds      estimated time to the end of training
     */
    default void iteration(int iteration, int totalIterations, int epoch, double loss, double learningRate,
                           double imagesPerSecond, double etaSeconds) {
    }

    /** After each epoch's validation. */
    default void epoch(EpochRecord record, int epochs) {
    }
}

package org.cortado.net;

import java.util.Collection;
import java.util.Set;

/**
 * What a net planned for inference ({@link Net#planInference}) must still hold after each forward pass, and what the
 * plan may change. Everything else may share memory: a layer's output lives only until its last reader has run.
 *
 * @param layerOutputs  layers whose own outputs stay readable ({@link Net#output}, {@link Net#topsOf}): the values
 *                      before any in-place layer that follows them, as {@code cortado forward} writes them
 * @param blobs         blobs whose final values stay readable ({@link Net#blob}): as their last writer left them
 * @param foldBatchNorm whether a BatchNorm with stored statistics and a per-channel Scale that alone follow a
 *                      convolution are folded into its weights (they then run no pass, at the price of float
 *                      rounding; the net's parameters change, so a net whose parameters are exported keeps them)
 * @param poisonFreed   a debugging aid: every buffer is filled with NaN once its last reader has run, so that a
 *                      layer reading memory the plan gave away yields NaN instead of a plausible value
 */
public record InferenceRequest(Set<String> layerOutputs, Set<String> blobs, boolean foldBatchNorm,
                               boolean poisonFreed) {
    /** The system property that turns {@link #poisonFreed} on for every plan of the process ("true"). */
    public static final String POISON_PROPERTY = "cortado.memory.poison";

    public InferenceRequest {
        layerOutputs = Set.copyOf(layerOutputs);
        blobs = Set.copyOf(blobs);
    }

    /** Keep these layers' own outputs; fold BatchNorm; poison freed buffers when {@link #POISON_PROPERTY} says. */
    public static InferenceRequest layerOutputs(Collection<String> layers) {
        return new InferenceRequest(Set.copyOf(layers), Set.of(), true, Boolean.getBoolean(POISON_PROPERTY));
    }

    /** Keep these blobs' final values; fold BatchNorm; poison freed buffers when {@link #POISON_PROPERTY} says. */
    public static InferenceRequest blobs(Collection<String> blobs) {
        return new InferenceRequest(Set.of(), Set.copyOf(blobs), true, Boolean.getBoolean(POISON_PROPERTY));
    }

    /** This request with BatchNorm folding on or off. */
    public InferenceRequest withFolding(boolean fold) {
        return new InferenceRequest(layerOutputs, blobs, fold, poisonFreed);
    }

    /** This request with freed buffers poisoned or not. */
    public InferenceRequest withPoison(boolean poison) {
        return new InferenceRequest(layerOutputs, blobs, foldBatchNorm, poison);
    }
}

package org.cortado.solver;

/**
 * The loss, or a parameter, became NaN or infinite; the message names the iteration, the last learning rate and,
 * for a parameter, which one and what was not written because of it.
 */
public final class TrainingDivergedException extends RuntimeException {
    private final int iteration;
    private final double learningRate;

    public TrainingDivergedException(int iteration, double loss, double learningRate) {
        this("training diverged at iteration " + iteration + ": loss is " + loss + " (last learning rate "
                + learningRate + "); lower base_lr or clip gradients (clip_gradients)", iteration, learningRate);
    }

    private TrainingDivergedException(String message, int iteration, double learningRate) {
        super(message);
        this.iteration = iteration;
        this.learningRate = learningRate;
    }

    /**
     * Parameter {@code param} holds {@code value} at {@code index} after {@code iteration} updates, so
     * {@code notWritten} was not written from it.
     */
    public static TrainingDivergedException nonFiniteParameter(String param, long index, float value, int iteration,
                                                               double learningRate, String notWritten) {
        return new TrainingDivergedException("parameter " + param + " holds " + value + " (element " + index
                + ") after " + iteration + " iterations (last learning rate " + learningRate + "): " + notWritten
                + " not written; lower base_lr or clip gradients (clip_gradients)", iteration, learningRate);
    }

    public int iteration() {
        return iteration;
    }

    public double learningRate() {
        return learningRate;
    }
}

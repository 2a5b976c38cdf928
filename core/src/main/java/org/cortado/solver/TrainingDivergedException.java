package org.cortado.solver;

/** The loss became NaN or infinite; the message names the iteration and the last learning rate. */
public final class TrainingDivergedException extends RuntimeException {
    private final int iteration;
    private final double learningRate;

    public TrainingDivergedException(int iteration, double loss, double learningRate) {
        super("training diverged at iteration " + iteration + ": loss is " + loss + " (last learning rate "
                + learningRate + "); lower base_lr or clip gradients (clip_gradients)");
        this.iteration = iteration;
        this.learningRate = learningRate;
    }

    public int iteration() {
        return iteration;
    }

    public double learningRate() {
        return learningRate;
    }
}

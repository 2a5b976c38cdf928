package org.cortado.finetune;

import java.util.Arrays;

/**
 * The loss and learning rate of every iteration of one run, for the report's curves; a resumed run adds a log of its
 * own, so that both runs can be told apart.
 *
 * @param firstIteration  the solver iteration of {@code loss[0]} (1 for a fresh run)
 * @param loss            the training loss of each iteration (NaN for one whose batches held no usable image)
 * @param learningRate    the base learning rate each iteration used
 * @param imagesPerSecond training throughput of this run (training passes only)
 */
public record IterationLog(int firstIteration, float[] loss, float[] learningRate, double imagesPerSecond) {
    public IterationLog {
        if (loss.length != learningRate.length) {
            throw new IllegalArgumentException(loss.length + " losses but " + learningRate.length + " learning rates");
        }
    }

    /** Collects a run's iterations as they happen. */
    static final class Recorder {
        private final int firstIteration;
        private float[] loss = new float[64];
        private float[] rate = new float[64];
        private int size;

        Recorder(int firstIteration) {
            this.firstIteration = firstIteration;
        }

        void add(double l, double lr) {
            if (size == loss.length) {
                loss = Arrays.copyOf(loss, size * 2);
                rate = Arrays.copyOf(rate, size * 2);
            }
            loss[size] = (float) l;
            rate[size] = (float) lr;
            size++;
        }

        IterationLog log(double imagesPerSecond) {
            return new IterationLog(firstIteration, Arrays.copyOf(loss, size), Arrays.copyOf(rate, size),
                    imagesPerSecond);
        }
    }
}

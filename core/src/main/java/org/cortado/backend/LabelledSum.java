package org.cortado.backend;

/**
 * What a loss or accuracy operation returns over the labelled positions of a batch: {@code sum} (a loss, or the
 * number of correct positions) and {@code labelled}, how many positions carried a label other than the ignored one.
 */
public record LabelledSum(double sum, long labelled) {
}

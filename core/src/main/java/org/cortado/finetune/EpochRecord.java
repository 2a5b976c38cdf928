package org.cortado.finetune;

/**
 * One line of the training history: after epoch {@code epoch} (0: after initialisation, before any update).
 * Training figures are means over the epoch's passes (augmented images, dropout on); null for epoch 0.
 *
 * @param iteration    solver iterations done
 * @param learningRate the base rate of the epoch's last update (null for epoch 0)
 * @param seconds      wall time since the run (or the resumed run) started
 */
public record EpochRecord(int epoch, int iteration, Double trainLoss, Double trainAccuracy, double valLoss,
                          double valAccuracy, Double learningRate, double seconds) {
}

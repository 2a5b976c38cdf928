package org.cortado.advise;

/**
 * What the advisor measures of a data set before choosing a recipe.
 *
 * @param nTrain          training images
 * @param classes         classes
 * @param minPerClass     images of the smallest class
 * @param meanPerClass    images per class on average
 * @param topStage        the freeze point below the last stage of the net (fine-tuning through it trains that stage
 *                        and the new classifier), with its parameter count and images per parameter
 * @param source          the source net's own predictions on the training images
 * @param topCodeLayer    the last probed layer below the source classifier (the classic code layer)
 * @param topCodeCv       its cross-validated probe accuracy on the training codes
 * @param bestBelowLayer  the probed layer below it with the best cross-validated accuracy
 * @param bestBelowCv     that accuracy
 */
public record Measurements(int nTrain, int classes, int minPerClass, double meanPerClass, FreezePoints.Point topStage,
        SourcePredictions source, String topCodeLayer, double topCodeCv, String bestBelowLayer, double bestBelowCv) {

    /** How much the top code layer adds over the best layer below it (cross-validated accuracy on training codes). */
    public double topGain() {
        return topCodeCv - bestBelowCv;
    }
}

package org.cortado.advise;

import org.cortado.features.FeatureSet;

/**
 * What the source net itself makes of the new images, needing no labels: how sure its own classifier is. Images
 * like its training images (ants and bees are ImageNet classes) get confident predictions; images unlike any of its
 * classes (upscaled 8x8 digits) get flat ones.
 *
 * @param layer             the source net's output layer
 * @param classes           its classes K
 * @param images            the images measured
 * @param meanTop1          the mean over images of the largest class probability
 * @param meanEntropy       the mean entropy of the class distribution, in nats
 * @param normalizedEntropy {@code meanEntropy / ln K}: 0 for certain predictions, 1 for uniform ones
 */
public record SourcePredictions(String layer, int classes, int images, double meanTop1, double meanEntropy,
        double normalizedEntropy) {

    /**
     * From the source net's output on each image: probabilities when the layer is a Softmax, otherwise class scores,
     * turned into probabilities by a softmax (SqueezeNet's deploy net ends in the average of its class maps).
     */
    static SourcePredictions of(String layer, String layerType, FeatureSet outputs) {
        int n = outputs.rows();
        int k = outputs.dim();
        float[] v = outputs.codes().hostData();
        boolean probabilities = layerType.equals("Softmax");
        double top1 = 0;
        double entropy = 0;
        double[] p = new double[k];
        for (int i = 0; i < n; i++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < k; j++) {
                max = Math.max(max, v[i * k + j]);
            }
            double sum = 0;
            for (int j = 0; j < k; j++) {
                p[j] = probabilities ? v[i * k + j] : Math.exp(v[i * k + j] - max);
                sum += p[j];
            }
            double best = 0;
            double h = 0;
            for (int j = 0; j < k; j++) {
                double q = p[j] / sum;
                best = Math.max(best, q);
                if (q > 0) {
                    h -= q * Math.log(q);
                }
            }
            top1 += best;
            entropy += h;
        }
        double meanH = n == 0 ? Double.NaN : entropy / n;
        return new SourcePredictions(layer, k, n, n == 0 ? Double.NaN : top1 / n, meanH,
                k > 1 ? meanH / Math.log(k) : Double.NaN);
    }
}

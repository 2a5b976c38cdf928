package org.cortado.advise;

import java.util.List;
import java.util.Locale;

/**
 * Which case a data set is, from its {@link Measurements}. docs/advise.md gives the figures behind the thresholds.
 *
 * <ul>
 *   <li><b>Similar</b> when the source net's own classifier is confident on the new images: mean top-1 probability
 *       of at least {@value #SIMILAR_MEAN_TOP1}. SqueezeNet v1.0 gives 0.641 on the ants/bees training images
 *       (ImageNet has both classes) and 0.148 on the upscaled 8x8 digits; the threshold lies between them, a factor of
 *       about two from each.</li>
 *   <li><b>Large</b> when there are at least {@value #LARGE_IMAGES_PER_PARAM} training images per parameter that
 *       fine-tuning the last stage would train (the stage above {@link Measurements#topStage()} and the new
 *       classifier): with fewer, fine-tuning that stage adds nothing a linear probe of the top codes does not have.
 *       Ants/bees has 245 images for SqueezeNet's 198,210 such parameters (0.0012 per parameter), and fine-tuning
 *       there gives the probe's 0.9412 (docs/finetune.md). The threshold, ten times that, is a stated assumption:
 *       no large data set is at hand to measure it.</li>
 * </ul>
 */
public final class CaseRules {
    /** The mean top-1 probability of the source net at or above which the data is similar to its task. */
    public static final double SIMILAR_MEAN_TOP1 = 0.35;
    /** Training images per parameter of the last stage at or above which the data is large. */
    public static final double LARGE_IMAGES_PER_PARAM = 0.01;

    private CaseRules() {
    }

    /**
     * The case and why, in words.
     *
     * @param size       the size half of the reasons
     * @param similarity the similarity half
     */
    public record Decision(Case verdict, String size, String similarity) {
    }

    /**
     * One measurement the case is decided on, against its threshold.
     *
     * @param key       "size" or "similarity": the half of the case it decides
     * @param name      what is measured, in words
     * @param unit      "probability" (a value in [0, 1]) or "images per parameter" (any positive ratio)
     * @param atOrAbove what the data is when the value is at or above the threshold ("large", "similar")
     * @param below     what it is below the threshold ("small", "different")
     */
    public record Check(String key, String name, String unit, double value, double threshold, String atOrAbove,
            String below) {
        /** Whether the value is at or above the threshold. */
        public boolean reached() {
            return value >= threshold;
        }

        /** What the data is by this measurement: {@link #atOrAbove} or {@link #below}. */
        public String verdict() {
            return reached() ? atOrAbove : below;
        }
    }

    /** The two measurements the case is decided on, size first, each against its threshold. */
    public static List<Check> checks(Measurements m) {
        return List.of(
                new Check("size", "training images per parameter that fine-tuning above " + m.topStage().layer()
                        + " would train", "images per parameter", m.topStage().imagesPerParam(),
                        LARGE_IMAGES_PER_PARAM, "large", "small"),
                new Check("similarity", "mean top-1 probability of the source net's own classifier on the training"
                        + " images", "probability", m.source().meanTop1(), SIMILAR_MEAN_TOP1, "similar",
                        "different"));
    }

    public static Decision decide(Measurements m) {
        List<Check> checks = checks(m);
        boolean large = checks.get(0).reached();
        boolean similar = checks.get(1).reached();
        String size = String.format(Locale.ROOT, "%s: %d training images (%d classes, %s) for the %,d"
                + " parameters that fine-tuning above %s would train, %.4f per parameter, %s the %s of a large set",
                large ? "large" : "small", m.nTrain(), m.classes(), perClass(m), m.topStage().paramsAbove(),
                m.topStage().layer(), m.topStage().imagesPerParam(), large ? "at or above" : "below",
                LARGE_IMAGES_PER_PARAM);
        String similarity = String.format(Locale.ROOT, "%s: the source net's own classifier gives the images a mean"
                + " top-1 probability of %.3f (normalised entropy %.2f), %s the %.2f of similar data", similar
                        ? "similar" : "different", m.source().meanTop1(), m.source().normalizedEntropy(),
                similar ? "at or above" : "below", SIMILAR_MEAN_TOP1);
        return new Decision(Case.of(!large, similar), size, similarity);
    }

    /** Images per class: "50 per class", or "122.5 per class on average, 121 in the smallest". */
    public static String perClass(Measurements m) {
        return m.minPerClass() == m.meanPerClass() ? m.minPerClass() + " per class"
                : String.format(Locale.ROOT, "%.1f per class on average, %d in the smallest", m.meanPerClass(),
                        m.minPerClass());
    }
}

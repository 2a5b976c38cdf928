package org.cortado.advise;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The case from tables of measurements, at and around the thresholds and at the sizes of the development sets. */
class CaseRulesTest {
    /** Measurements with {@code images} training images in {@code classes} classes. */
    static Measurements measured(int images, int classes, long paramsAbove, double meanTop1) {
        return new Measurements(images, classes, images / classes, (double) images / classes,
                new FreezePoints.Point("pool8", paramsAbove, (double) images / paramsAbove),
                new SourcePredictions("pool_final", 1000, images, meanTop1, 2.0, 0.3), "fire9/concat", 0.9,
                "fire7/concat", 0.88);
    }

    @ParameterizedTest(name = "{0} images, {1} classes, {2} parameters above, top-1 {3}: {4}")
    @CsvSource({
        // The development sets as measured: ants/bees and the 8x8 digits with SqueezeNet v1.0.
        "245, 2, 198210, 0.641, small-similar",
        "500, 10, 202314, 0.148, small-different",
        // Sizes given, not measured: the same nets with ten and a hundred times the images.
        "24500, 2, 198210, 0.641, large-similar",
        "50000, 10, 202314, 0.148, large-different",
        // At the thresholds: 0.01 images per parameter and a mean top-1 probability of 0.35 count as large, similar.
        "2000, 2, 200000, 0.35, large-similar",
        "1999, 2, 200000, 0.35, small-similar",
        "2000, 2, 200000, 0.3499, large-different",
        "1999, 2, 200000, 0.3499, small-different",
        // Many images per class do not make a set large when the stage to train is larger still.
        "100000, 2, 20000000, 0.9, small-similar",
        // Nor do few per class make it small when the stage is tiny.
        "600, 100, 50000, 0.9, large-similar",
    })
    void theCaseFollowsTheImagesPerParameterAndTheSourceNetsConfidence(int images, int classes, long params,
            double top1, String expected) {
        CaseRules.Decision d = CaseRules.decide(measured(images, classes, params, top1));
        assertEquals(expected, d.verdict().id());
        assertTrue(d.size().startsWith(expected.startsWith("small") ? "small" : "large"), d.size());
        assertTrue(d.similarity().startsWith(expected.endsWith("-similar") ? "similar" : "different"),
                d.similarity());
        assertTrue(d.size().contains(String.valueOf(images)) && d.size().contains("pool8"), d.size());
    }

    @Test
    void theCaseKnowsItsHalves() {
        assertEquals(Case.SMALL_DIFFERENT, Case.of(true, false));
        assertTrue(Case.LARGE_SIMILAR.similar() && !Case.LARGE_SIMILAR.small());
        assertEquals("large-different", Case.LARGE_DIFFERENT.id());
    }
}

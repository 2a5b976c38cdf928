package org.cortado.advise;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.cortado.image.ResizeMode;
import org.cortado.image.TransformSpec;
import org.junit.jupiter.api.Test;

/** Which recipe the advisor picks from a sweep's cross-validated accuracies (training codes only). */
class AdvisorChoiceTest {
    private static Probe.Row row(String name, int depth, double cv) {
        return new Probe.Row(name, List.of(name), depth, 64, 1, cv, 1.0, 0.5);
    }

    private static final List<Probe.Row> SINGLES = List.of(row("pool1", 3, 0.70), row("fire6/concat", 39, 0.81),
            row("fire8/concat", 53, 0.865), row("fire9/concat", 61, 0.861), row("conv_final", 63, 0.869));

    private static Measurements topCode(String layer) {
        Measurements m = CaseRulesTest.measured(245, 2, 198210, 0.641);
        return new Measurements(m.nTrain(), m.classes(), m.minPerClass(), m.meanPerClass(), m.topStage(), m.source(),
                layer, 0.861, "fire8/concat", 0.865);
    }

    @Test
    void smallSimilarKeepsTheTopCodeLayerWhenAnotherIsWithinTheNoiseAndNamesItAsRunnerUp() {
        Advisor.Choice c = Advisor.smallSimilar(topCode("fire9/concat"), SINGLES);
        assertEquals(List.of("fire9/concat"), c.recommendation().layers());
        assertEquals(List.of("conv_final"), c.alternative().layers(), "0.869 is within 0.02 of 0.861");
        assertTrue(c.why().contains("too close to call"), c.why());
    }

    @Test
    void smallSimilarTakesAnotherLayerThatCrossValidatesClearlyBetter() {
        List<Probe.Row> rows = List.of(row("fire6/concat", 39, 0.95), row("fire9/concat", 61, 0.90));
        Advisor.Choice c = Advisor.smallSimilar(topCode("fire9/concat"), rows);
        assertEquals(List.of("fire6/concat"), c.recommendation().layers());
        assertNull(c.alternative());
    }

    @Test
    void smallDifferentJoinsTheLayersWhenTheJoinCrossValidatesBetter() {
        List<Probe.Row> below = SINGLES.subList(0, 4);
        Probe.Row joined = new Probe.Row("pool1+fire6/concat+fire8/concat+fire9/concat",
                List.of("pool1", "fire6/concat", "fire8/concat", "fire9/concat"), 61, 1000, 1, 0.90, 1, 0.5);
        Advisor.Choice c = Advisor.smallDifferent(below, joined);
        assertEquals(joined.layers(), c.recommendation().layers());
        assertNull(c.alternative(), "0.90 against fire8's 0.865: not close");
        Probe.Row weak = new Probe.Row(joined.name(), joined.layers(), 61, 1000, 1, 0.86, 1, 0.5);
        Advisor.Choice d = Advisor.smallDifferent(below, weak);
        assertEquals(List.of("fire8/concat"), d.recommendation().layers());
        assertEquals(joined.layers(), d.alternative().layers());
    }

    @Test
    void largeDifferentFreezesAsLittleAsTheImagesAllow() {
        FreezePoints.Counts counts = new FreezePoints.Counts("conv_final", 1_250_000, 5130, List.of(
                new FreezePoints.Point("pool1", 1_200_000, 0), new FreezePoints.Point("fire5/concat", 800_000, 0),
                new FreezePoints.Point("pool8", 200_000, 0), new FreezePoints.Point("fire9/concat", 5130, 0)));
        assertEquals("pool8", Advisor.largeDifferentFreeze(withImages(counts, 3000), 3000));
        assertEquals("pool1", Advisor.largeDifferentFreeze(withImages(counts, 12_000), 12_000));
        assertNull(Advisor.largeDifferentFreeze(withImages(counts, 12_500), 12_500), "the whole net: no freezing");
    }

    private static FreezePoints.Counts withImages(FreezePoints.Counts c, int images) {
        return new FreezePoints.Counts(c.classifier(), c.totalParams(), c.classifierParams(), c.points().stream()
                .map(p -> new FreezePoints.Point(p.layer(), p.paramsAbove(), (double) images / p.paramsAbove()))
                .toList());
    }

    @Test
    void recipesPrintAsTheCommandsThatRunThem() {
        Recommendation codes = Recommendation.codes(List.of("fire5/concat", "fire6/concat"), Advisor.HEAD, 0.9);
        TransformSpec caffe = TransformSpec.of(new ResizeMode.Fixed(256, 256), 227, 104, 117, 123);
        assertEquals("./cortado transfer --model d --weights w --train t --val v --resize 256x256 --crop 227"
                + " --mean-values 104,117,123 --layer fire5/concat+fire6/concat --head softmax --c 1 --report R.json",
                codes.command("d", "w", "t", "v", caffe));
        Recommendation ft = Recommendation.finetune("conv_final", null, 1e-5, 3);
        assertEquals("./cortado finetune --model d --weights w --train t --val v --resize-shorter 227 --replace"
                + " conv_final --base-lr 0.00001 --epochs 3 --report R.json",
                ft.command("d", "w", "t", "v", TransformSpec.of(new ResizeMode.ShorterSide(227), 0)));
    }
}

package org.cortado.finetune;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.cortado.backend.cpu.CpuBackend;
import org.cortado.testing.SharedData;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The acceptance: SqueezeNet v1.0 on ants vs bees, conv_final replaced by a 2-way layer, the default
 * recipe, final validation accuracy at least 0.94 for seeds 1, 2 and 3, all layers trained and everything through
 * fire8/concat frozen. About 3 minutes per run on two loaded cores (docs/finetune.md has the measured figures).
 */
@Tag("slow")
class HymenopteraAcceptanceTest {
    static final double REQUIRED = 0.94;

    @ParameterizedTest(name = "seed {0}, freeze through {1}")
    @CsvSource({"1, ''", "2, ''", "3, ''", "1, fire8/concat", "2, fire8/concat", "3, fire8/concat"})
    void defaultRecipeReaches94Percent(long seed, String freezeThrough) {
        Path model = SharedData.require("models/squeezenet_v1.0");
        Path data = SharedData.require("data/hymenoptera");
        FineTuneResult r = FineTuner.run(FineTuneConfig.builder()
                .model(model.resolve("deploy.prototxt"), model.resolve("squeezenet_v1.0.caffemodel"))
                .data(data.resolve("train"), data.resolve("val"))
                .replace("conv_final")
                .freezeThrough(freezeThrough.isEmpty() ? null : freezeThrough)
                .seed(seed)
                .build(), new CpuBackend(), new FineTuneListener() {});
        EpochRecord first = r.history().get(0);
        EpochRecord last = r.history().get(r.history().size() - 1);
        // The figures docs/finetune.md records, in the test report's output.
        System.out.printf(java.util.Locale.ROOT, "acceptance: seed %d, frozen through %s: val accuracy after the probe"
                + " %.4f, final %.4f (best %.4f), val loss %.4f -> %.4f, last epoch's train accuracy %.4f, %.1f"
                + " training images/s, %.0f s%n", seed, freezeThrough.isEmpty() ? "nothing" : freezeThrough,
                first.valAccuracy(), r.valAccuracy(), r.bestValAccuracy(), first.valLoss(), last.valLoss(),
                r.trainAccuracy(), r.imagesPerSecond(), r.wallSeconds());
        assertTrue(r.valAccuracy() >= REQUIRED, "seed " + seed + ": final val accuracy " + r.valAccuracy() + "; "
                + r.history());
    }
}

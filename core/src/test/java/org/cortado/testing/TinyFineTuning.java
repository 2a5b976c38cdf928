package org.cortado.testing;

import java.nio.file.Path;
import java.util.List;
import org.cortado.finetune.FineTuneConfig;
import org.cortado.image.ResizeMode;
import org.cortado.image.TransformSpec;
import org.cortado.solver.SolverSettings;

/** The fine-tuning recipe of the tests on {@link TinyNets#DEPLOY} and {@link TinyImages}: seconds on one core. */
public final class TinyFineTuning {
    private TinyFineTuning() {
    }

    /**
     * 8x8 inputs (random mirror, mean 128, scale 1/64), batches of 5, 4 epochs, seed 3, SGD with momentum 0.9 and
     * decay 5e-4 at a rate for the tiny net's small activations, the new classifier replacing conv_final.
     */
    public static FineTuneConfig.Builder config(Path deploy, Path weights, Path data) {
        TransformSpec train = new TransformSpec(new ResizeMode.Fixed(8, 8), 0, 0, false, true, new float[] {128f},
                null, 1f / 64);
        return FineTuneConfig.builder()
                .model(deploy, weights)
                .data(data.resolve("train"), data.resolve("val"))
                .replace("conv_final")
                .epochs(4)
                .batchSize(5)
                .seed(3)
                .transforms(train, train.deterministic())
                .solver(new SolverSettings(SolverSettings.Type.SGD, 0.01f, "poly", 0f, 1f, 0, List.of(), 0, 0.9f,
                        0.999f, 1e-8f, 5e-4f, 1, -1f, 0, 0, -1))
                .headLrMult(1f)
                .decodeThreads(1);
    }
}

package org.cortado.finetune;

import java.util.List;
import org.cortado.image.ResizeMode;
import org.cortado.image.TransformSpec;
import org.cortado.solver.SolverSettings;

/**
 * The default fine-tuning recipe (measured in docs/finetune.md): linear probing first, then a few epochs of SGD
 * with momentum at a rate scaled to Caffe models' activations, which reach the hundreds (SqueezeNet's fire9 codes
 * average 10 with peaks above 1000): 1e-3, common in PyTorch recipes for inputs scaled to unit variance, moves
 * the logits by tens per step here and wrecks the probe's head within an iteration.
 */
public final class FineTuneRecipe {
    public static final int EPOCHS = 3;
    public static final int BATCH_SIZE = 32;
    /** The rate of the pretrained layers. */
    public static final float BASE_LR = 1e-5f;
    public static final float MOMENTUM = 0.9f;
    public static final float WEIGHT_DECAY = 0.0005f;
    /**
     * The new classifier learns this many times faster than the pretrained layers (its bias twice that); with a
     * linear probe its weights are in standardised units, so its gradients are not scaled up by the raw activations.
     */
    public static final float HEAD_LR_MULT = 10f;
    /** ImageNet BGR means of the BVLC models and SqueezeNet. */
    public static final float[] MEAN_BGR = {104f, 117f, 123f};
    public static final int INPUT_SIZE = 227;

    private FineTuneRecipe() {
    }

    /** SGD, momentum 0.9, weight decay 5e-4, the rate falling linearly to 0 over the run (poly, power 1). */
    public static SolverSettings solver() {
        return new SolverSettings(SolverSettings.Type.SGD, BASE_LR, "poly", 0f, 1f, 0, List.of(), 0, MOMENTUM, 0.999f,
                1e-8f, WEIGHT_DECAY, 1, -1f, 0, 0, -1);
    }

    /**
     * Shorter side to 227 (aspect kept), centre crop 227x227, random mirror, BGR minus the ImageNet means. Keeping
     * the aspect ratio gave the best frozen codes of the variants tried (docs/finetune.md).
     */
    public static TransformSpec trainTransform() {
        return new TransformSpec(new ResizeMode.ShorterSide(INPUT_SIZE), INPUT_SIZE, INPUT_SIZE, false, true, MEAN_BGR,
                null, 1f);
    }

    /** The training transform without the mirror. */
    public static TransformSpec evalTransform() {
        return trainTransform().deterministic();
    }
}

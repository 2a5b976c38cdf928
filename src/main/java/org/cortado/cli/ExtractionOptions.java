package org.cortado.cli;

import org.cortado.features.CodeExtractor;
import org.cortado.transfer.CodeNet;
import org.cortado.transfer.InputRecipe;
import picocli.CommandLine.Option;

/** How codes are computed: {@code --batch}, {@code --threads}, {@code --resume}, {@code --quiet}. */
final class ExtractionOptions {
    @Option(names = "--batch", paramLabel = "N",
            description = "Images per forward pass (default: " + CodeNet.IMAGES_PER_BATCH + ", "
                    + CodeNet.OVERSAMPLED_IMAGES_PER_BATCH + " when oversampling: ten crops each).")
    Integer batch;

    @Option(names = "--threads", paramLabel = "N", description = "Image decoding threads (default: one per core).")
    Integer threads;

    @Option(names = "--resume",
            description = "Continue an interrupted extraction into the same feature file, and keep a complete one that"
                    + " holds the same codes. Without it, leftovers are removed and all codes computed afresh.")
    boolean resume;

    @Option(names = "--quiet", description = "No progress lines.")
    boolean quiet;

    CodeExtractor.Options toOptions(InputRecipe input) {
        int b = batch != null ? batch
                : input.oversample() ? CodeNet.OVERSAMPLED_IMAGES_PER_BATCH : CodeNet.IMAGES_PER_BATCH;
        int t = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        return new CodeExtractor.Options(b, t, CodeNet.IMAGES_PER_PART);
    }
}

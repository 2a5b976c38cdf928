package org.cortado.cli;

import org.cortado.features.CodeExtractor;
import org.cortado.transfer.InputRecipe;
import picocli.CommandLine.Mixin;

/**
 * How the commands that compute codes (codes, transfer, probe, advise) read their images: {@code --batch},
 * {@code --threads}, {@code --resume} and {@code --quiet} ({@link ExtractionOptions}) and {@code --max-pixels}
 * ({@link PixelLimitOption}), with the pixel limit in force while the command {@link #run}s. Where the images come
 * from ({@code --train}, {@code --val}, {@code --data}) stays with each command: what those options mean, and which of
 * them are required, differs from one command to the next.
 */
public final class DataOptions {
    @Mixin
    ExtractionOptions extraction;

    @Mixin
    PixelLimitOption pixelLimit;

    /** Runs {@code command} under the pixel limit. */
    public <T, E extends Exception> T run(PixelLimitOption.Work<T, E> command) throws E {
        return pixelLimit.run(command);
    }

    /** Batch size, threads and part size of the extraction for {@code input}'s preprocessing. */
    public CodeExtractor.Options extractorOptions(InputRecipe input) {
        return extraction.toOptions(input);
    }

    /** {@code --resume}: continue an interrupted extraction, keep a complete one. */
    public boolean resume() {
        return extraction.resume;
    }

    /** {@code --quiet}: no progress lines. */
    public boolean quiet() {
        return extraction.quiet;
    }
}

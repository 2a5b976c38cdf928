package org.cortado.features;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.cortado.data.Batch;
import org.cortado.data.BatchLoader;
import org.cortado.data.ImageDataset;
import org.cortado.data.LabeledImage;
import org.cortado.data.LoaderOptions;
import org.cortado.data.NoUsableImages;
import org.cortado.image.ImageTransformer;
import org.cortado.util.Progress;

/**
 * Computes the codes of a data set into a feature file, resumably: a {@link BatchLoader} decodes and transforms the
 * images, the {@link CodeFunction} turns each batch into codes, and {@link FeatureParts} saves them part by part
 * ({@code NAME.parts/} beside the output). A run that finds parts of the same extraction computes only the missing
 * ones; parts of a different extraction are an error rather than a silent mix. When all parts exist they are joined
 * into the feature file (written atomically) and the parts folder is removed.
 */
public final class CodeExtractor {
    /** Name of the manifest in the parts folder. */
    public static final String MANIFEST = FeatureParts.MANIFEST;

    /**
     * How to run.
     *
     * @param batchSize images per forward pass
     * @param threads   decoding threads
     * @param partSize  images per saved part (the work lost by an interruption is at most one part)
     */
    public record Options(int batchSize, int threads, int partSize) {
        public Options {
            if (batchSize < 1 || threads < 1 || partSize < 1) {
                throw new IllegalArgumentException("batch size, threads and part size must be positive, got "
                        + batchSize + ", " + threads + ", " + partSize);
            }
        }
    }

    private final ImageTransformer transformer;
    private final CodeFunction fn;
    private final Options options;

    public CodeExtractor(ImageTransformer transformer, CodeFunction fn, Options options) {
        if (transformer.spec().isRandom()) {
            throw new IllegalArgumentException("codes need a deterministic transform (centre crop, no mirror), got "
                    + transformer.spec().describe());
        }
        this.transformer = transformer;
        this.fn = fn;
        this.options = options;
    }

    /** The parts folder of an output: {@code NAME.parts} beside {@code NAME.npy}. */
    public static Path partsDir(Path npy) {
        return FeatureParts.dir(npy);
    }

    /**
     * Removes the parts of an unfinished extraction into {@code npy}, if any, so that the next one starts afresh.
     *
     * @return whether there were parts
     */
    public static boolean discardPartial(Path npy) {
        return FeatureParts.discard(npy);
    }

    /**
     * The feature file {@code npy} when it is complete and holds exactly these codes: made the same way
     * ({@code provenance}, apart from its time) from the same images of {@code data}; else null.
     */
    public static FeatureSet existing(Path npy, ImageDataset data, Provenance provenance) {
        if (!Files.isRegularFile(npy) || !Files.isRegularFile(FeatureFiles.metadataPath(npy))
                || Files.isDirectory(partsDir(npy))) {
            return null;
        }
        FeatureSet set = FeatureFiles.read(npy);
        if (set.rows() == 0 || set.provenance() == null || !provenance.identity().equals(set.provenance().identity())
                || !set.classes().equals(data.classes())) {
            return null;
        }
        Set<String> skipped = new HashSet<>();
        set.skipped().forEach(s -> skipped.add(s.file().toString()));
        List<String> expected = new ArrayList<>();
        for (LabeledImage s : data.samples()) {
            if (!skipped.contains(s.file().toString())) {
                expected.add(s.file().toString());
            }
        }
        return expected.equals(set.files()) && expected.size() + skipped.size() == data.size() ? set : null;
    }

    /**
     * Extracts the codes of {@code data} into {@code npy} (and its sidecars) and returns them.
     *
     * @param provenance what makes these codes (its {@code created} time is set at the end)
     * @param progress   counts images as they are done (including those of parts found on disk)
     */
    public FeatureSet extract(ImageDataset data, Path npy, Provenance provenance, Progress progress) {
        String identity = provenance.identity() + "\n" + transformer.spec().describe();
        FeatureParts parts = FeatureParts.open(npy, data, identity, options.partSize());
        progress.advance(parts.done());
        List<LabeledImage> todo = parts.pending().stream().map(data.samples()::get).toList();
        if (!todo.isEmpty()) {
            // One loader for all the missing parts, so that decoding stays ahead of the net across part boundaries.
            LoaderOptions loading = LoaderOptions.of(options.batchSize(), options.threads())
                    .withPixelMode(fn.takesPixels());
            try (BatchLoader loader = new BatchLoader(todo, transformer, loading)) {
                while (loader.hasNext()) {
                    Batch b = loader.next();
                    parts.accept(b, codes(b));
                    progress.advance(b.size() + b.skipped().size());
                }
            }
        }
        FeatureSet set = parts.join(provenance.stamped());
        if (set.rows() == 0) {
            // A feature file of no rows would pass for a result; nothing is written and nothing is kept to resume.
            parts.delete();
            throw NoUsableImages.error("", data, set.skipped());
        }
        FeatureFiles.write(npy, set);
        parts.delete();
        return set;
    }

    /** The code function's rows for a batch, one per usable image. */
    private float[][] codes(Batch b) {
        float[][] rows = b.size() == 0 ? new float[0][] : fn.codes(b);
        if (rows.length != b.size()) {
            throw new IllegalStateException("the code function returned " + rows.length + " codes for a batch of "
                    + b.size() + " images");
        }
        return rows;
    }
}

package org.cortado.features;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.cortado.data.Batch;
import org.cortado.data.DecodeWarning;
import org.cortado.data.FileNote;
import org.cortado.data.BatchLoader;
import org.cortado.data.ImageDataset;
import org.cortado.data.LabeledImage;
import org.cortado.data.NoUsableImages;
import org.cortado.data.Skipped;
import org.cortado.image.ImageTransformer;
import org.cortado.io.Npy;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;
import org.cortado.util.Progress;

/**
 * Computes the codes of a data set into a feature file, resumably.
 *
 * <p>The samples are cut into parts of {@code partSize} images. Each finished part is saved at once in
 * {@code NAME.parts/} beside the output ({@code part-00000.npy} with its rows, then {@code part-00000.json} with their
 * sample positions, the part's skipped images and its decoder warnings; the JSON, written last and atomically, marks the part complete).
 * {@code manifest.json} there holds a fingerprint of the inputs (files, labels, transform, provenance, part size). A
 * run that finds parts with the same fingerprint computes only the missing parts; a different fingerprint is an error
 * rather than a silent mix of two extractions. When all parts exist they are joined into the feature file (written
 * atomically) and the parts folder is removed.
 */
public final class CodeExtractor {
    /** Name of the manifest in the parts folder. */
    public static final String MANIFEST = "manifest.json";

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
        return npy.resolveSibling(FeatureFiles.stem(npy) + ".parts");
    }

    /**
     * Removes the parts of an unfinished extraction into {@code npy}, if any, so that the next one starts afresh.
     *
     * @return whether there were parts
     */
    public static boolean discardPartial(Path npy) {
        Path parts = partsDir(npy);
        if (!Files.isDirectory(parts)) {
            return false;
        }
        deleteTree(parts);
        return true;
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
        java.util.Set<String> skipped = new java.util.HashSet<>();
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
        List<LabeledImage> samples = data.samples();
        Path parts = partsDir(npy);
        String fingerprint = fingerprint(data, provenance);
        prepare(parts, fingerprint, samples.size());
        int partCount = (samples.size() + options.partSize() - 1) / options.partSize();
        List<Integer> missing = new ArrayList<>();
        for (int p = 0; p < partCount; p++) {
            if (Files.isRegularFile(partJson(parts, p))) {
                progress.advance(partEnd(p, samples.size()) - partStart(p));
            } else {
                missing.add(p);
            }
        }
        compute(samples, missing, parts, progress);
        FeatureSet set = join(data, parts, partCount, provenance.stamped());
        if (set.rows() == 0) {
            // A feature file of no rows would pass for a result; nothing is written and nothing is kept to resume.
            deleteTree(parts);
            throw NoUsableImages.error("", data, set.skipped());
        }
        FeatureFiles.write(npy, set);
        deleteTree(parts);
        return set;
    }

    private int partStart(int p) {
        return p * options.partSize();
    }

    private int partEnd(int p, int n) {
        return Math.min(n, (p + 1) * options.partSize());
    }

    private static Path partJson(Path parts, int p) {
        return parts.resolve(String.format("part-%05d.json", p));
    }

    private static Path partNpy(Path parts, int p) {
        return parts.resolve(String.format("part-%05d.npy", p));
    }

    /** Runs the missing parts through one loader, so decoding stays ahead of the net across part boundaries. */
    private void compute(List<LabeledImage> samples, List<Integer> missing, Path parts, Progress progress) {
        if (missing.isEmpty()) {
            return;
        }
        List<LabeledImage> todo = new ArrayList<>();
        List<Integer> position = new ArrayList<>();
        for (int p : missing) {
            for (int i = partStart(p); i < partEnd(p, samples.size()); i++) {
                todo.add(samples.get(i));
                position.add(i);
            }
        }
        PartBuffer current = null;
        try (BatchLoader loader = new BatchLoader(todo, transformer, options.batchSize(), options.threads(), 2, 0, 0,
                fn.takesPixels())) {
            while (loader.hasNext()) {
                Batch b = loader.next();
                float[][] rows = b.size() == 0 ? new float[0][] : fn.codes(b);
                if (rows.length != b.size()) {
                    throw new IllegalStateException("the code function returned " + rows.length + " codes for a batch"
                            + " of " + b.size() + " images");
                }
                // Route rows and skips to their parts in input order.
                int r = 0;
                int s = 0;
                int w = 0;
                int batchStart = b.index() * options.batchSize();
                int batchEnd = Math.min(todo.size(), batchStart + options.batchSize());
                for (int k = batchStart; k < batchEnd; k++) {
                    int sample = position.get(k);
                    int part = sample / options.partSize();
                    if (current == null || current.part != part) {
                        current = new PartBuffer(part, partEnd(part, samples.size()) - partStart(part));
                    }
                    if (r < b.size() && b.sampleIndices()[r] == k) {
                        current.add(sample, rows[r++]);
                        if (w < b.warnings().size() && b.warnings().get(w).file().equals(todo.get(k).file())) {
                            current.warnings.add(b.warnings().get(w++));
                        }
                    } else {
                        current.skip(b.skipped().get(s++));
                    }
                    if (current.isFull()) {
                        current.save(parts);
                        current = null;
                    }
                }
                progress.advance(batchEnd - batchStart);
            }
        }
    }

    /** The rows of one part as they arrive. */
    private static final class PartBuffer {
        final int part;
        final int size;
        final List<float[]> rows = new ArrayList<>();
        final List<Integer> samples = new ArrayList<>();
        final List<Skipped> skipped = new ArrayList<>();
        final List<DecodeWarning> warnings = new ArrayList<>();

        PartBuffer(int part, int size) {
            this.part = part;
            this.size = size;
        }

        void add(int sample, float[] row) {
            if (!rows.isEmpty() && row.length != rows.get(0).length) {
                throw new IllegalStateException("the code function returned codes of " + row.length + " and "
                        + rows.get(0).length + " values");
            }
            rows.add(row);
            samples.add(sample);
        }

        void skip(Skipped s) {
            skipped.add(s);
        }

        boolean isFull() {
            return rows.size() + skipped.size() == size;
        }

        void save(Path parts) {
            int d = rows.isEmpty() ? 0 : rows.get(0).length;
            float[] data = new float[rows.size() * d];
            for (int i = 0; i < rows.size(); i++) {
                System.arraycopy(rows.get(i), 0, data, i * d, d);
            }
            Npy.write(partNpy(parts, part), Tensor.wrap(Shape.of(rows.size(), d), data));
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            o.put("part", part);
            o.put("dim", d);
            var s = o.putArray("samples");
            samples.forEach(s::add);
            o.set("skipped", FileNote.toJson(skipped));
            o.set("warnings", FileNote.toJson(warnings));
            FeatureFiles.writeJson(partJson(parts, part), o);
        }
    }

    private FeatureSet join(ImageDataset data, Path parts, int partCount, Provenance provenance) {
        List<float[]> rows = new ArrayList<>();
        List<Integer> samples = new ArrayList<>();
        List<Skipped> skipped = new ArrayList<>();
        List<DecodeWarning> warnings = new ArrayList<>();
        int dim = -1;
        for (int p = 0; p < partCount; p++) {
            JsonNode meta = FeatureFiles.readJson(partJson(parts, p));
            Tensor t = Npy.read(partNpy(parts, p), 2);
            int n = t.shape().dim(0);
            int d = t.shape().dim(1);
            if (n != meta.get("samples").size()) {
                throw new IllegalStateException(partNpy(parts, p) + " has " + n + " rows but " + partJson(parts, p)
                        + " lists " + meta.get("samples").size() + " samples");
            }
            if (n > 0) {
                if (dim >= 0 && d != dim) {
                    throw new IllegalStateException(partNpy(parts, p) + " has codes of " + d + " values, earlier parts "
                            + dim);
                }
                dim = d;
            }
            for (int i = 0; i < n; i++) {
                float[] row = new float[d];
                System.arraycopy(t.hostData(), i * d, row, 0, d);
                rows.add(row);
                samples.add(meta.get("samples").get(i).asInt());
            }
            skipped.addAll(FeatureFiles.skippedFrom(meta.get("skipped")));
            warnings.addAll(FeatureFiles.warningsFrom(meta.get("warnings")));
        }
        int[] labels = new int[rows.size()];
        List<String> files = new ArrayList<>(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            LabeledImage s = data.samples().get(samples.get(i));
            labels[i] = s.label();
            files.add(s.file().toString());
        }
        return FeatureSet.of(rows.toArray(new float[0][]), Math.max(dim, 0), labels, files, data.classes(), skipped,
                warnings, provenance);
    }

    /** Creates the parts folder and its manifest, or checks that an existing one belongs to this extraction. */
    private void prepare(Path parts, String fingerprint, int total) {
        Path manifest = parts.resolve(MANIFEST);
        try {
            if (Files.isRegularFile(manifest)) {
                JsonNode m = FeatureFiles.readJson(manifest);
                if (!fingerprint.equals(m.path("fingerprint").asText())) {
                    throw new IllegalStateException(parts + " holds parts of a different extraction (other images,"
                            + " model, layer, transform or part size); delete it or choose another output");
                }
                return;
            }
            Files.createDirectories(parts);
        } catch (IOException e) {
            throw new UncheckedIOException(parts + ": cannot create: " + e.getMessage(), e);
        }
        ObjectNode m = JsonNodeFactory.instance.objectNode();
        m.put("format", FeatureFiles.FORMAT + "-parts");
        m.put("fingerprint", fingerprint);
        m.put("samples", total);
        m.put("part_size", options.partSize());
        FeatureFiles.writeJson(manifest, m);
    }

    private String fingerprint(ImageDataset data, Provenance provenance) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-1");
            StringBuilder sb = new StringBuilder();
            sb.append(provenance.identity()).append('\n').append(transformer.spec().describe()).append('\n')
                    .append(options.partSize()).append('\n').append(String.join("\n", data.classes())).append('\n');
            for (LabeledImage s : data.samples()) {
                sb.append(s.label()).append('\t').append(s.file()).append('\n');
            }
            return HexFormat.of().formatHex(sha.digest(sb.toString().getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is missing from this JVM", e);
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot remove the finished parts: " + e.getMessage(), e);
        }
    }
}

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
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.cortado.data.Batch;
import org.cortado.data.DecodeWarning;
import org.cortado.json.FileNotes;
import org.cortado.data.ImageDataset;
import org.cortado.data.LabeledImage;
import org.cortado.data.Skipped;
import org.cortado.io.Npy;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * The parts of an extraction into {@code NAME.npy}, saved as they finish so that an interruption loses at most one.
 *
 * <p>The samples of the data set are cut into parts of {@code partSize} images, kept in {@code NAME.parts/} beside
 * the output: {@code part-00000.npy} with the part's rows, then {@code part-00000.json} with their sample positions,
 * the part's skipped images and its decoder warnings (the JSON, written last and atomically, marks the part
 * complete). {@code manifest.json} there holds a fingerprint of the inputs (files, labels, transform, provenance, part
 * size); parts under another fingerprint are an error rather than a silent mix of two extractions.
 *
 * <p>Use: {@link #open} the parts, compute the {@link #pending} samples and hand each batch's outcome to
 * {@link #accept} in order, then {@link #join} them all and {@link #delete} the folder.
 */
final class FeatureParts {
    /** Name of the manifest in the parts folder. */
    static final String MANIFEST = "manifest.json";

    private final Path dir;
    private final ImageDataset data;
    private final int partSize;
    private final int partCount;
    /** The positions in {@code data} of the samples of the parts not on disk, in order. */
    private final List<Integer> pending = new ArrayList<>();
    /** The parts being filled (the pending samples arrive in order, so at most the parts of one batch). */
    private final Map<Integer, Part> filling = new HashMap<>();
    private int received;

    private FeatureParts(Path dir, ImageDataset data, int partSize) {
        this.dir = dir;
        this.data = data;
        this.partSize = partSize;
        this.partCount = (data.size() + partSize - 1) / partSize;
        for (int p = 0; p < partCount; p++) {
            if (!Files.isRegularFile(partJson(p))) {
                for (int i = start(p); i < end(p); i++) {
                    pending.add(i);
                }
            }
        }
    }

    /** The parts folder of an output: {@code NAME.parts} beside {@code NAME.npy}. */
    static Path dir(Path npy) {
        return npy.resolveSibling(FeatureFiles.stem(npy) + ".parts");
    }

    /**
     * Removes the parts of an unfinished extraction into {@code npy}, if any.
     *
     * @return whether there were parts
     */
    static boolean discard(Path npy) {
        Path parts = dir(npy);
        if (!Files.isDirectory(parts)) {
            return false;
        }
        deleteTree(parts);
        return true;
    }

    /**
     * The parts of extracting {@code data} into {@code npy}: the folder and its manifest are created, or the manifest
     * there is checked to belong to the same extraction.
     *
     * @param identity what makes the codes, in lines (the provenance's identity, then the transform): with the part
     *                 size, the classes and every sample's label and file it makes the fingerprint
     * @throws IllegalStateException when the folder holds parts of another extraction
     */
    static FeatureParts open(Path npy, ImageDataset data, String identity, int partSize) {
        Path parts = dir(npy);
        String fingerprint = fingerprint(data, identity, partSize);
        Path manifest = parts.resolve(MANIFEST);
        try {
            if (Files.isRegularFile(manifest)) {
                JsonNode m = FeatureFiles.readJson(manifest);
                if (!fingerprint.equals(m.path("fingerprint").asText())) {
                    throw new IllegalStateException(parts + " holds parts of a different extraction (other images,"
                            + " model, layer, transform or part size); delete it or choose another output");
                }
                return new FeatureParts(parts, data, partSize);
            }
            Files.createDirectories(parts);
        } catch (IOException e) {
            throw new UncheckedIOException(parts + ": cannot create: " + e.getMessage(), e);
        }
        ObjectNode m = JsonNodeFactory.instance.objectNode();
        m.put("format", FeatureFiles.FORMAT + "-parts");
        m.put("fingerprint", fingerprint);
        m.put("samples", data.size());
        m.put("part_size", partSize);
        FeatureFiles.writeJson(manifest, m);
        return new FeatureParts(parts, data, partSize);
    }

    /**
     * SHA-1 (hex) of {@code identity}, the part size, the class names and a {@code label TAB file} line per sample,
     * each ending in a newline: what decides whether parts on disk belong to an extraction.
     */
    static String fingerprint(ImageDataset data, String identity, int partSize) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-1");
            StringBuilder sb = new StringBuilder();
            sb.append(identity).append('\n').append(partSize).append('\n').append(String.join("\n", data.classes()))
                    .append('\n');
            for (LabeledImage s : data.samples()) {
                sb.append(s.label()).append('\t').append(s.file()).append('\n');
            }
            return HexFormat.of().formatHex(sha.digest(sb.toString().getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is missing from this JVM", e);
        }
    }

    /** The number of samples in the parts already on disk. */
    int done() {
        return data.size() - pending.size();
    }

    /** The samples of the parts not on disk, as positions in the data set, in order: what is left to compute. */
    List<Integer> pending() {
        return List.copyOf(pending);
    }

    /**
     * Takes the next batch of the pending samples (a loader's batch over {@link #pending}, in order) with its codes,
     * one per usable image; saves each part as it fills.
     */
    void accept(Batch batch, float[][] codes) {
        int n = batch.size() + batch.skipped().size();
        int row = 0;
        int skip = 0;
        int warning = 0;
        for (int k = received; k < received + n; k++) {
            int sample = pending.get(k);
            Part part = filling.computeIfAbsent(sample / partSize, Part::new);
            if (row < batch.size() && batch.sampleIndices()[row] == k) {
                part.add(sample, codes[row]);
                List<DecodeWarning> warnings = batch.warnings();
                if (warning < warnings.size() && warnings.get(warning).file().equals(batch.files().get(row))) {
                    part.warnings.add(warnings.get(warning++));
                }
                row++;
            } else {
                part.skipped.add(batch.skipped().get(skip++));
            }
            if (part.isFull()) {
                part.save();
                filling.remove(part.index);
            }
        }
        received += n;
    }

    /** All the parts as one feature set, stamped with {@code provenance}; every part must be on disk. */
    FeatureSet join(Provenance provenance) {
        List<float[]> rows = new ArrayList<>();
        List<Integer> samples = new ArrayList<>();
        List<Skipped> skipped = new ArrayList<>();
        List<DecodeWarning> warnings = new ArrayList<>();
        int dim = -1;
        for (int p = 0; p < partCount; p++) {
            JsonNode meta = FeatureFiles.readJson(partJson(p));
            Tensor t = Npy.read(partNpy(p), 2);
            int n = t.shape().dim(0);
            int d = t.shape().dim(1);
            if (n != meta.get("samples").size()) {
                throw new IllegalStateException(partNpy(p) + " has " + n + " rows but " + partJson(p) + " lists "
                        + meta.get("samples").size() + " samples");
            }
            if (n > 0) {
                if (dim >= 0 && d != dim) {
                    throw new IllegalStateException(partNpy(p) + " has codes of " + d + " values, earlier parts "
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

    /** Removes the parts folder. */
    void delete() {
        deleteTree(dir);
    }

    private int start(int p) {
        return p * partSize;
    }

    private int end(int p) {
        return Math.min(data.size(), (p + 1) * partSize);
    }

    private Path partJson(int p) {
        return dir.resolve(String.format("part-%05d.json", p));
    }

    private Path partNpy(int p) {
        return dir.resolve(String.format("part-%05d.npy", p));
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

    /** The rows of one part as they arrive. */
    private final class Part {
        final int index;
        final List<float[]> rows = new ArrayList<>();
        final List<Integer> samples = new ArrayList<>();
        final List<Skipped> skipped = new ArrayList<>();
        final List<DecodeWarning> warnings = new ArrayList<>();

        Part(int index) {
            this.index = index;
        }

        void add(int sample, float[] row) {
            if (!rows.isEmpty() && row.length != rows.get(0).length) {
                throw new IllegalStateException("the code function returned codes of " + row.length + " and "
                        + rows.get(0).length + " values");
            }
            rows.add(row);
            samples.add(sample);
        }

        boolean isFull() {
            return rows.size() + skipped.size() == end(index) - start(index);
        }

        /** The rows, then the JSON that marks the part complete. */
        void save() {
            int d = rows.isEmpty() ? 0 : rows.get(0).length;
            float[] values = new float[rows.size() * d];
            for (int i = 0; i < rows.size(); i++) {
                System.arraycopy(rows.get(i), 0, values, i * d, d);
            }
            Npy.write(partNpy(index), Tensor.wrap(Shape.of(rows.size(), d), values));
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            o.put("part", index);
            o.put("dim", d);
            var s = o.putArray("samples");
            samples.forEach(s::add);
            o.set("skipped", FileNotes.toJson(skipped));
            o.set("warnings", FileNotes.toJson(warnings));
            FeatureFiles.writeJson(partJson(index), o);
        }
    }
}

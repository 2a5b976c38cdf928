package org.cortado.finetune;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.cortado.caffe.CaffeModelWriter;
import org.cortado.caffe.proto.Caffe.NetParameter;
import org.cortado.caffe.proto.Caffe.SolverState;
import org.cortado.io.AtomicFiles;
import org.cortado.net.Net;
import org.cortado.solver.Solver;
import org.cortado.weights.Fetcher;

/**
 * Snapshots of a fine-tuning run. A snapshot is a set of files made visible by one atomic step:
 * {@code <tag>-<nonce>.caffemodel} (every parameter of the training net, BatchNorm statistics included) and
 * {@code <tag>-<nonce>.solverstate} (Caffe's SolverState: iteration, momentum history, and the caffemodel's name as
 * its {@code learned_net}) are written first under names no other snapshot uses, then the manifest
 * {@code <tag>.snapshot.json} is renamed into place: it names both files with their size and SHA-256 and holds the
 * iteration, the run's fingerprint, history and best accuracy. Nothing is rewritten in place, so a crash at any
 * point leaves each tag's previous set or its new one, never a mix; files that no manifest names are removed after
 * each snapshot. Tags are {@code iter_000120} (every N iterations, and the last) and {@code best} (the best
 * validation accuracy so far).
 *
 * <p>{@link #latest} reads only the engine's own manifests (any other file in the folder is left alone), takes the
 * one with the most iterations and refuses it, by name, when one of its files is missing or has another size or
 * digest, or when its solver state is at another iteration or belongs to another caffemodel. Snapshots in the layout
 * of earlier versions ({@code <tag>.json} beside {@code <tag>.caffemodel}, without digests) are not resumed from.
 */
final class Snapshots {
    static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT);

    /** The format tag every manifest carries. */
    static final String FORMAT = "cortado-snapshot/2";
    static final String MANIFEST_SUFFIX = ".snapshot.json";
    private static final String TAG = "(best|iter_\\d{6,})";
    private static final Pattern MANIFEST = Pattern.compile(TAG + Pattern.quote(MANIFEST_SUFFIX));
    private static final Pattern DATA = Pattern.compile(TAG + "-[0-9a-f]{16}\\.(caffemodel|solverstate)");
    /** AtomicFiles' temporary files for the names above, left behind only by a killed process. */
    private static final Pattern TEMPORARY = Pattern.compile("\\.(" + DATA.pattern() + "|" + MANIFEST.pattern()
            + ")\\.[0-9a-f]+\\.tmp");
    private static final Pattern LEGACY = Pattern.compile(TAG + "\\.json");

    /** What the run supplies to a snapshot besides the net and solver. */
    record Meta(int iteration, Map<String, Object> settings, List<EpochRecord> history, Double bestValAccuracy,
                int bestEpoch, LinearProbe.Result linearProbe, List<IterationLog> iterationLog) {
    }

    /** A file of a snapshot, as its manifest names it. */
    record FileRef(String name, long size, String sha256) {
    }

    /** What {@code <tag>.snapshot.json} holds. */
    record Manifest(String format, String tag, int iteration, FileRef weights, FileRef solverState,
                    Map<String, Object> settings, List<EpochRecord> history, Double bestValAccuracy, int bestEpoch,
                    LinearProbe.Result linearProbe, List<IterationLog> iterationLog) {
    }

    /** A verified snapshot: its manifest, the caffemodel, and the solver state read from its file. */
    record Found(Path manifestFile, Manifest manifest, Path weights, SolverState solverState) {
    }

    private final Path dir;

    Snapshots(Path dir) {
        this.dir = dir;
    }

    Path dir() {
        return dir;
    }

    static String iterationTag(int iteration) {
        return String.format("iter_%06d", iteration);
    }

    static Path manifestOf(Path dir, String tag) {
        return dir.resolve(tag + MANIFEST_SUFFIX);
    }

    /**
     * Writes snapshot {@code tag} of {@code net} (built from {@code definition}) and {@code solver}; returns its
     * manifest.
     *
     * @throws org.cortado.solver.TrainingDivergedException before writing anything when a parameter is not finite
     */
    Path write(String tag, Net net, NetParameter definition, Solver solver, Meta meta) {
        Path manifestFile = manifestOf(dir, tag);
        var blobs = HostParams.checked(net, l -> true, solver, "snapshot " + manifestFile);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create snapshot folder " + dir + ": " + e.getMessage(), e);
        }
        String stem = tag + "-" + String.format("%016x", ThreadLocalRandom.current().nextLong());
        Path weights = dir.resolve(stem + ".caffemodel");
        Path state = dir.resolve(stem + ".solverstate");
        CaffeModelWriter.write(weights, definition, blobs);
        AtomicFiles.writeBytes(state, solver.stateBytes(weights.getFileName().toString()));
        Manifest manifest = new Manifest(FORMAT, tag, meta.iteration(), describe(weights), describe(state),
                meta.settings(), meta.history(), meta.bestValAccuracy(), meta.bestEpoch(), meta.linearProbe(),
                meta.iterationLog());
        try {
            AtomicFiles.writeString(manifestFile, JSON.writeValueAsString(manifest));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + manifestFile + ": " + e.getMessage(), e);
        }
        removeUnreferenced();
        return manifestFile;
    }

    private static FileRef describe(Path file) {
        try {
            return new FileRef(file.getFileName().toString(), Files.size(file), Fetcher.digest(file, "SHA-256"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read back " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * The snapshot with the most iterations, checked whole, or empty when the folder holds none.
     *
     * @throws IllegalStateException naming the snapshot when it is damaged or mixed, or a manifest that cannot be read
     */
    Optional<Found> latest() {
        List<Path> manifests = ownFiles(MANIFEST);
        if (manifests.isEmpty()) {
            return Optional.empty();
        }
        List<Map.Entry<Path, Manifest>> read = new ArrayList<>();
        for (Path f : manifests) {
            read.add(Map.entry(f, read(f)));
        }
        // Most iterations first; at equal iterations the periodic snapshot, whose tag sorts after "best".
        read.sort((a, b) -> a.getValue().iteration() != b.getValue().iteration()
                ? Integer.compare(b.getValue().iteration(), a.getValue().iteration())
                : b.getKey().getFileName().compareTo(a.getKey().getFileName()));
        Path file = read.get(0).getKey();
        Manifest m = read.get(0).getValue();
        String others = read.size() == 1 ? "there is no other snapshot to resume from"
                : "remove it to resume from " + read.get(1).getKey().getFileName() + " (iteration "
                + read.get(1).getValue().iteration() + ")";
        return Optional.of(new Found(file, m, dir.resolve(m.weights().name()), verified(file, m, others)));
    }

    /** Why nothing can be resumed from this folder, for the error when {@link #latest} finds nothing. */
    String whyEmpty() {
        List<Path> legacy = ownFiles(LEGACY).stream().filter(f -> Files.isRegularFile(
                f.resolveSibling(f.getFileName().toString().replace(".json", ".caffemodel")))).toList();
        if (!legacy.isEmpty()) {
            return "no snapshot in " + dir + ": " + legacy.get(0).getFileName() + " there is a snapshot in the layout"
                    + " of an earlier cortado (no digests, no compute settings), which --resume does not read; start"
                    + " the run again without --resume";
        }
        return "no snapshot in " + dir + " (a snapshot is named by a <tag>" + MANIFEST_SUFFIX + " file)";
    }

    private static Manifest read(Path file) {
        Manifest m;
        try {
            m = JSON.readValue(file.toFile(), Manifest.class);
        } catch (IOException e) {
            throw new IllegalStateException("snapshot manifest " + file + " cannot be read (" + e.getMessage()
                    .lines().findFirst().orElse("") + "); remove it to resume from the other snapshots", e);
        }
        if (!FORMAT.equals(m.format()) || m.weights() == null || m.solverState() == null) {
            throw new IllegalStateException("snapshot manifest " + file + " is not in the format " + FORMAT
                    + "; remove it to resume from the other snapshots");
        }
        return m;
    }

    /**
     * The solver state of {@code m} once its files are exactly what it says and belong together.
     *
     * @throws IllegalStateException naming the snapshot and what is wrong, and {@code others} (what to do instead)
     */
    private SolverState verified(Path file, Manifest m, String others) {
        String problem = null;
        SolverState state = null;
        for (FileRef ref : List.of(m.weights(), m.solverState())) {
            problem = problem != null ? problem : fileProblem(ref);
        }
        if (problem == null) {
            try {
                state = SolverState.parseFrom(Files.readAllBytes(dir.resolve(m.solverState().name())));
            } catch (IOException e) {
                problem = m.solverState().name() + " is not a solver state (" + e.getMessage() + ")";
            }
        }
        if (state != null && state.getIter() != m.iteration()) {
            problem = m.solverState().name() + " is at iteration " + state.getIter() + ", the manifest at "
                    + m.iteration();
        } else if (state != null && !state.getLearnedNet().equals(m.weights().name())) {
            problem = m.solverState().name() + " belongs to " + state.getLearnedNet() + ", not to "
                    + m.weights().name();
        }
        if (problem != null) {
            throw new IllegalStateException("snapshot " + file + " (iteration " + m.iteration() + ") is damaged or "
                    + "incomplete: " + problem + "; " + others);
        }
        return state;
    }

    /** What is wrong with a file a manifest names, or null when it has the size and digest it says. */
    private String fileProblem(FileRef ref) {
        if (ref.name() == null || !DATA.matcher(ref.name()).matches()) {
            return "it names '" + ref.name() + "', not a snapshot file of this folder";
        }
        Path f = dir.resolve(ref.name());
        try {
            if (!Files.isRegularFile(f)) {
                return ref.name() + " is missing";
            }
            long size = Files.size(f);
            if (size != ref.size()) {
                return ref.name() + " has " + size + " bytes, the manifest says " + ref.size();
            }
            String sha = Fetcher.digest(f, "SHA-256");
            return sha.equals(ref.sha256()) ? null
                    : ref.name() + " has SHA-256 " + sha + ", the manifest says " + ref.sha256();
        } catch (IOException e) {
            return ref.name() + " cannot be read (" + e.getMessage() + ")";
        }
    }

    /**
     * Deletes the snapshot files no manifest names (an earlier set of a tag, or what a crash left) and stale
     * temporary files. Does nothing while a manifest cannot be read: then which files it needs is unknown.
     */
    private void removeUnreferenced() {
        Set<String> referenced = new HashSet<>();
        for (Path f : ownFiles(MANIFEST)) {
            try {
                Manifest m = JSON.readValue(f.toFile(), Manifest.class);
                if (m.weights() == null || m.solverState() == null) {
                    return;
                }
                referenced.add(m.weights().name());
                referenced.add(m.solverState().name());
            } catch (IOException e) {
                return;
            }
        }
        List<Path> stale = new ArrayList<>(ownFiles(DATA));
        stale.removeIf(f -> referenced.contains(f.getFileName().toString()));
        stale.addAll(ownFiles(TEMPORARY));
        for (Path f : stale) {
            try {
                Files.deleteIfExists(f);
            } catch (IOException e) {
                // A leftover costs disk space only; the snapshot just written is complete.
            }
        }
    }

    /** The regular files of the folder whose whole name matches {@code names}, sorted. */
    private List<Path> ownFiles(Pattern names) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> names.matcher(f.getFileName().toString()).matches() && Files.isRegularFile(f))
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list snapshot folder " + dir + ": " + e.getMessage(), e);
        }
    }
}

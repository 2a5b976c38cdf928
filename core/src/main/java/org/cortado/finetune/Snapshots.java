package org.cortado.finetune;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.cortado.caffe.CaffeFormatException;
import org.cortado.caffe.CaffeModelWriter;
import org.cortado.caffe.proto.Caffe.NetParameter;
import org.cortado.caffe.proto.Caffe.SolverState;
import org.cortado.io.AtomicFiles;
import org.cortado.layers.Layer;
import org.cortado.net.Net;
import org.cortado.solver.Solver;
import org.cortado.tensor.Tensor;

/**
 * Snapshots of a fine-tuning run: {@code <tag>.caffemodel} (every parameter of the training net, BatchNorm
 * statistics included), {@code <tag>.solverstate} (Caffe's SolverState: iteration and momentum history) and
 * {@code <tag>.json} (the run's settings, history and best accuracy so far). Each file is written atomically and the
 * JSON last, naming the other two: a snapshot exists once its JSON does, so a crash mid-write leaves the previous
 * one usable. Tags are {@code iter_000120} (every N iterations) and {@code best} (the best validation accuracy).
 */
final class Snapshots {
    static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT);

    /** What a snapshot's JSON holds. */
    record Meta(int iteration, String weights, String solverState, Map<String, Object> settings,
                List<EpochRecord> history, double bestValAccuracy, int bestEpoch, LinearProbe.Result linearProbe,
                List<IterationLog> iterationLog) {
    }

    /** A snapshot found on disk. */
    record Found(Meta meta, Path weights, Path solverState) {
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

    /** Writes snapshot {@code tag} of {@code net} (built from {@code definition}) and {@code solver}. */
    Path write(String tag, Net net, NetParameter definition, Solver solver, Meta metaWithoutFiles) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create snapshot folder " + dir + ": " + e.getMessage(), e);
        }
        String weights = tag + ".caffemodel";
        String state = tag + ".solverstate";
        Map<String, List<Tensor>> blobs = new LinkedHashMap<>();
        for (Layer layer : net.layers()) {
            if (!layer.params().isEmpty()) {
                List<Tensor> host = new ArrayList<>();
                layer.params().forEach(p -> host.add(net.backend().download(p.data())));
                blobs.put(layer.name(), host);
            }
        }
        CaffeModelWriter.write(dir.resolve(weights), definition, blobs);
        AtomicFiles.writeBytes(dir.resolve(state), solver.state(weights).toByteArray());
        Meta meta = new Meta(metaWithoutFiles.iteration(), weights, state, metaWithoutFiles.settings(),
                metaWithoutFiles.history(), metaWithoutFiles.bestValAccuracy(), metaWithoutFiles.bestEpoch(),
                metaWithoutFiles.linearProbe(), metaWithoutFiles.iterationLog());
        Path json = dir.resolve(tag + ".json");
        try {
            AtomicFiles.writeString(json, JSON.writeValueAsString(meta));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + json + ": " + e.getMessage(), e);
        }
        return json;
    }

    /** The complete snapshot with the most iterations, if any. */
    Optional<Found> latest() {
        if (!Files.isDirectory(dir)) {
            return Optional.empty();
        }
        Found best = null;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path json : files.filter(f -> f.getFileName().toString().endsWith(".json")).sorted().toList()) {
                Meta meta;
                try {
                    meta = JSON.readValue(json.toFile(), Meta.class);
                } catch (IOException e) {
                    throw new CaffeFormatException(json + ": not a snapshot description: " + e.getMessage());
                }
                Path w = dir.resolve(meta.weights());
                Path s = dir.resolve(meta.solverState());
                if (Files.isRegularFile(w) && Files.isRegularFile(s)
                        && (best == null || meta.iteration() > best.meta().iteration())) {
                    best = new Found(meta, w, s);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list snapshot folder " + dir + ": " + e.getMessage(), e);
        }
        return Optional.ofNullable(best);
    }

    static SolverState readState(Path file) {
        try {
            return SolverState.parseFrom(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new CaffeFormatException(file + ": cannot read solver state: " + e.getMessage());
        }
    }
}

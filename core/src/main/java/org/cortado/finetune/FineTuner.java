package org.cortado.finetune;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.cortado.backend.Backend;
import org.cortado.backend.CounterRng;
import org.cortado.caffe.CaffeModelReader;
import org.cortado.caffe.CaffeWeights;
import org.cortado.data.DataSource;
import org.cortado.data.FileNote;
import org.cortado.data.Hdf5Data;
import org.cortado.data.ImageDataset;
import org.cortado.data.LoaderOptions;
import org.cortado.data.Skipped;
import org.cortado.data.TrainValSplit;
import org.cortado.io.AtomicFiles;
import org.cortado.layers.NetDefinitionException;
import org.cortado.layers.Param;
import org.cortado.layers.Phase;
import org.cortado.net.Net;
import org.cortado.net.NetDefinition;
import org.cortado.net.NetWeights;
import org.cortado.net.proto.NetProtos;
import org.cortado.solver.Solver;
import org.cortado.solver.SolverSettings;

/**
 * Fine-tunes a pretrained Caffe net on a data set (image folders, a Caffe list file or an LMDB): replaces the classifier by a new N-way layer,
 * freezes what the config says, optionally starts the new layer from a linear probe, trains with Caffe's solver
 * semantics, validates after every epoch, snapshots and resumes, reports and exports.
 *
 * <pre>{@code
 * FineTuneResult r = FineTuner.run(FineTuneConfig.builder()
 *         .model(Path.of("deploy.prototxt"), Path.of("squeezenet_v1.0.caffemodel"))
 *         .data(Path.of("hymenoptera/train"), Path.of("hymenoptera/val"))
 *         .replace("conv_final").freezeThrough("fire8/concat").seed(1)
 *         .export(Path.of("out")).build(), backend, new FineTuneListener() {});
 * }</pre>
 */
public final class FineTuner {
    static final long STREAM_INIT = 10;
    static final long STREAM_SOLVER = 11;

    private final FineTuneConfig cfg;
    private final Backend backend;
    private final FineTuneListener listener;
    private final long start = System.nanoTime();

    private FineTuner(FineTuneConfig cfg, Backend backend, FineTuneListener listener) {
        this.cfg = cfg;
        this.backend = backend;
        this.listener = listener;
    }

    /** Runs {@code cfg} on {@code backend}, telling {@code listener} how it goes. */
    public static FineTuneResult run(FineTuneConfig cfg, Backend backend, FineTuneListener listener) {
        return new FineTuner(cfg, backend, listener).run();
    }

    private double seconds() {
        return (System.nanoTime() - start) / 1e9;
    }

    private FineTuneResult run() {
        NetDefinition deploy = NetDefinition.read(cfg.model());
        CaffeWeights weights = CaffeModelReader.read(cfg.weights());
        Objective.Chosen chosen = Objective.of(cfg.trainVal());
        Objective objective = chosen.objective();
        DataSource trainSource = chosen.source(cfg.train(), cfg.trainVal());
        DataSource valSource = cfg.val() == null ? null : chosen.source(cfg.val(), cfg.trainVal());
        TrainValSplit data = valSource != null ? DataSource.trainVal(trainSource, valSource)
                : trainSource.open(null).split(cfg.valFraction(), cfg.seed());
        List<String> classes = data.train().classes();
        int targetWidth = Hdf5Data.targetWidth(data.train());
        String newName = cfg.replacementName();
        NetDefinition replaced = NetSurgery.replaceLayer(deploy, cfg.replace(), classes.size(), newName,
                cfg.weightFiller(), cfg.biasFiller());
        if (cfg.linearProbe()) {
            replaced = NetSurgery.insertStandardization(replaced, newName);
            if (objective.hasTargets() && NetSurgery.reluFollows(replaced, newName)) {
                replaced = NetSurgery.insertOutputShift(replaced, newName);
            }
        }
        NetSurgery.TrainingNet training = NetSurgery.forTraining(replaced, cfg.batchSize(), chosen, targetWidth);
        Net net = Net.build(training.definition(), Phase.TRAIN, backend);
        // Training reads losses, scores and gradients, never a convolution's output before its ReLU, nor the
        // outputs of the convolutions that feed a concat (which a frozen prefix then writes in place).
        net.fuseReLUs();
        net.writeConcatsInPlace();
        List<String> ignored = NetWeights.copy(weights, net, Set.of(newName, NetSurgery.standardizationOf(newName),
                NetSurgery.outputShiftOf(newName)));
        listener.message("net '" + net.name() + "': " + cfg.replace() + " replaced by " + newName + " ("
                + (objective.hasTargets() ? classes.size() + " outputs for the " + classes.size() + " targets per row, "
                + "trained under " + objective.lossType() + " as '" + chosen.lossLayer() + "' of " + cfg.trainVal()
                : classes.size() + " classes: " + String.join(", ", classes)) + ")"
                + (ignored.isEmpty() ? "" : "; weights of layers not in the net ignored: " + ignored));
        NetSurgery.initialize(net, newName, CounterRng.derive(cfg.seed(), STREAM_INIT));
        int[] counts = setMultipliers(net, newName);
        String dataBlob = dataInput(net, training.label());
        int channels = net.input(dataBlob).shape().dim(1);
        Hdf5Data.requireChannels(data.train(), channels, dataBlob);
        Hdf5Data.requireChannels(data.val(), channels, dataBlob);
        listener.built(net);

        int totalBatches;
        DataFeed.Settings feeding = DataFeed.Settings.of(data.train(), cfg.trainTransform(), cfg.evalTransform(),
                LoaderOptions.of(cfg.batchSize(), cfg.decodeThreads())).withSeed(cfg.seed());
        if (cfg.cachePrefix()) {
            feeding = feeding.withPrefixCache(List.of(data.val()));
        }
        DataFeed.Blobs blobs = new DataFeed.Blobs(dataBlob, training.label(), training.accuracy(), targetWidth);
        try (DataFeed feed = new DataFeed(net, blobs, feeding)) {
            if (feed.cachedThrough() != null) {
                listener.message(String.format(java.util.Locale.ROOT, "layers through '%s' learn nothing and run "
                        + "the same in training: their outputs were computed once per image and view (%.1f s)",
                        feed.cachedThrough(), seconds()));
            }
            totalBatches = cfg.epochs() * feed.batchesPerEpoch();
            SolverSettings settings = cfg.solver();
            int totalIterations = (totalBatches + settings.iterSize() - 1) / settings.iterSize();
            settings = settings.withMaxIter(totalIterations);
            Solver solver = new Solver(net, settings, CounterRng.derive(cfg.seed(), STREAM_SOLVER));
            Map<String, Object> fingerprint = Fingerprint.of(cfg, settings, backend);
            Snapshots snapshots = cfg.snapshotDir() == null ? null : new Snapshots(cfg.snapshotDir());
            TrainingRun run = new TrainingRun(cfg, listener, this::seconds, net, training, feed, solver, snapshots,
                    fingerprint, data, totalIterations, objective);

            LinearProbe.Result probe = null;
            if (cfg.resume()) {
                probe = run.resume();
                if (probe != null) {
                    keepProbePenalty(net, newName, probe, settings);
                }
            } else {
                if (cfg.linearProbe() && objective.hasTargets()) {
                    probe = LinearProbe.initializeTargets(net, feed, data.train(), newName, objective);
                    listener.message(LinearProbe.describeTargets(probe, objective, newName));
                    keepProbePenalty(net, newName, probe, settings);
                } else if (cfg.linearProbe()) {
                    probe = LinearProbe.initialize(net, feed, data.train(), newName, classes.size());
                    listener.message(String.format("linear probe: softmax head on %d standardised %d-D codes, "
                            + "C = %.3g, train accuracy %.4f, ReLU offset %.3g", probe.samples(), probe.dimensions(),
                            probe.c(), probe.trainAccuracy(), probe.reluOffset()));
                    keepProbePenalty(net, newName, probe, settings);
                }
                run.setProbe(probe);
                run.validate(0, null, null, null);
            }
            run.train();
            Map<String, String> exported = cfg.export() == null ? null
                    : FineTuneExport.write(cfg.export(), net, NetProtos.proto(replaced), solver, listener);
            EpochRecord last = run.history().get(run.history().size() - 1);
            List<Map<String, String>> skipped = asMaps(feed.skipped());
            List<Map<String, String>> warnings = asMaps(feed.warnings());
            int nTrain = data.train().size() - countIn(feed.skipped(), data.train());
            int nVal = data.val().size() - countIn(feed.skipped(), data.val());
            Double trainAccuracy = last.trainAccuracy();
            if (trainAccuracy == null && !objective.hasTargets()) {
                trainAccuracy = Double.NaN;
            }
            FineTuneResult result = new FineTuneResult(last.valAccuracy(), trainAccuracy,
                    run.best().valAccuracy(), run.bestEpoch(), nTrain, nVal, skipped, warnings, classes, cfg.replace(), newName,
                    cfg.freezeThrough(), feed.cachedThrough(), probe, counts[0], counts[1], solver.iteration(), run.imagesPerSecond(),
                    seconds(), List.copyOf(run.history()), run.lastPredictions(), fingerprint, exported,
                    run.iterationLog(), LayerSettings.of(net), objective.id(), last.valTargets(),
                    run.best().valTargets());
            if (cfg.report() != null) {
                writeReport(cfg.report(), result);
            }
            return result;
        }
    }

    /** Multipliers from a train_val prototxt, the new layer's, then freezing; returns {frozen, learned} blobs. */
    private int[] setMultipliers(Net net, String newName) {
        if (cfg.trainVal() != null) {
            List<String> missing = NetSurgery.applyMultipliers(net, NetDefinition.read(cfg.trainVal()));
            missing.removeAll(List.of(newName, NetSurgery.standardizationOf(newName),
                    NetSurgery.outputShiftOf(newName)));
            if (!missing.isEmpty()) {
                listener.message(cfg.trainVal() + " has no layers " + missing + ": they keep lr_mult 1, decay_mult 1");
            }
        }
        NetSurgery.setClassifierMultipliers(net, newName, cfg.headLrMult());
        int frozen = 0;
        if (cfg.freezeThrough() != null) {
            if (net.indexOf(cfg.freezeThrough()) >= net.indexOf(newName)) {
                throw new NetDefinitionException("freezing through layer '" + cfg.freezeThrough()
                        + "' would freeze the new classifier '" + newName + "' as well");
            }
            frozen = NetSurgery.freezeThrough(net, cfg.freezeThrough());
            listener.message("frozen: " + frozen + " parameter blobs of the layers through '" + cfg.freezeThrough()
                    + "'");
        }
        int learned = 0;
        for (Param p : net.params()) {
            learned += p.isLearned() ? 1 : 0;
        }
        return new int[] {frozen, learned};
    }

    /**
     * Gives the classifier's weights the decay that keeps the probe's L2 penalty (its {@code decay_mult}, the
     * solver's weight decay being the unit). Done again on resume, from the snapshot's settings.
     */
    private void keepProbePenalty(Net net, String newName, LinearProbe.Result probe, SolverSettings settings) {
        if (settings.weightDecay() <= 0) {
            listener.message("weight_decay is 0: the classifier is trained without the probe's L2 penalty");
            return;
        }
        float mult = (float) (probe.decay() / settings.weightDecay());
        net.layer(newName).params().get(0).setDecayMult(mult);
        listener.message(String.format("classifier weight decay %.3g (decay_mult %.4g): the probe's L2 penalty",
                probe.decay(), mult));
    }

    private static String dataInput(Net net, String label) {
        List<String> inputs = new ArrayList<>(net.inputNames());
        inputs.remove(label);
        if (inputs.size() != 1) {
            throw new NetDefinitionException("net '" + net.name() + "' must have exactly one image input to fine-tune, "
                    + "has " + inputs);
        }
        return inputs.get(0);
    }

    /** Report entries: file and reason of each. */
    private static List<Map<String, String>> asMaps(List<? extends FileNote> notes) {
        List<Map<String, String>> out = new ArrayList<>();
        for (FileNote n : notes) {
            out.add(Map.of("file", n.file().toString(), "reason", n.reason()));
        }
        return out;
    }

    private static int countIn(List<Skipped> skipped, ImageDataset set) {
        int n = 0;
        for (Skipped s : skipped) {
            for (var sample : set.samples()) {
                if (sample.file().equals(s.file())) {
                    n++;
                    break;
                }
            }
        }
        return n;
    }

    static void writeReport(Path file, FineTuneResult result) {
        try {
            AtomicFiles.writeString(AtomicFiles.withParentFolder(file), Snapshots.JSON.writeValueAsString(result));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write report " + file + ": " + e.getMessage(), e);
        }
    }
}

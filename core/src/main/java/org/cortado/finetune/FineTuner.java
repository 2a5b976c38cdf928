package org.cortado.finetune;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.cortado.backend.Backend;
import org.cortado.backend.CounterRng;
import org.cortado.caffe.CaffeModelReader;
import org.cortado.caffe.CaffeModelWriter;
import org.cortado.caffe.CaffeWeights;
import org.cortado.caffe.proto.Caffe.NetParameter;
import org.cortado.data.DataSource;
import org.cortado.data.FileNote;
import org.cortado.data.Hdf5Data;
import org.cortado.data.ImageDataset;
import org.cortado.data.LoaderOptions;
import org.cortado.data.NoUsableImages;
import org.cortado.data.Skipped;
import org.cortado.data.TrainValSplit;
import org.cortado.heads.HeadReport;
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
import org.cortado.tensor.Tensor;

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
            Run run = new Run(net, training, feed, solver, snapshots, fingerprint, data, totalIterations, objective);

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
                run.probe = probe;
                run.validate(0, null, null, null);
            }
            run.train();
            Map<String, String> exported = cfg.export() == null ? null : export(net, NetProtos.proto(replaced), solver);
            EpochRecord last = run.history.get(run.history.size() - 1);
            List<Map<String, String>> skipped = asMaps(feed.skipped());
            List<Map<String, String>> warnings = asMaps(feed.warnings());
            int nTrain = data.train().size() - countIn(feed.skipped(), data.train());
            int nVal = data.val().size() - countIn(feed.skipped(), data.val());
            Double trainAccuracy = last.trainAccuracy();
            if (trainAccuracy == null && !objective.hasTargets()) {
                trainAccuracy = Double.NaN;
            }
            FineTuneResult result = new FineTuneResult(last.valAccuracy(), trainAccuracy,
                    run.best().valAccuracy(), run.bestEpoch, nTrain, nVal, skipped, warnings, classes, cfg.replace(), newName,
                    cfg.freezeThrough(), feed.cachedThrough(), probe, counts[0], counts[1], solver.iteration(), run.imagesPerSecond(),
                    seconds(), List.copyOf(run.history), run.lastPredictions, fingerprint, exported,
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

    /** The state of the training loop. */
    private final class Run {
        final Net net;
        final NetSurgery.TrainingNet training;
        final DataFeed feed;
        final Solver solver;
        final Snapshots snapshots;
        final Map<String, Object> fingerprint;
        final TrainValSplit data;
        final ImageDataset val;
        final int totalIterations;
        final EpochUsage usage;
        final List<EpochRecord> history = new ArrayList<>();
        final Objective objective;
        final List<float[]> trainTargets = new ArrayList<>();
        double bestScore = Double.NEGATIVE_INFINITY;
        int bestEpoch = -1;
        long trainedImages;
        double trainSeconds;
        List<Map<String, Object>> lastPredictions = List.of();
        final List<IterationLog> earlierLogs = new ArrayList<>();
        IterationLog.Recorder recorder;
        LinearProbe.Result probe;
        double epochLoss;
        double epochCorrect;
        long epochImages;

        Run(Net net, NetSurgery.TrainingNet training, DataFeed feed, Solver solver, Snapshots snapshots,
            Map<String, Object> fingerprint, TrainValSplit data, int totalIterations, Objective objective) {
            this.net = net;
            this.training = training;
            this.feed = feed;
            this.solver = solver;
            this.snapshots = snapshots;
            this.fingerprint = fingerprint;
            this.data = data;
            this.val = data.val();
            this.totalIterations = totalIterations;
            this.usage = new EpochUsage(feed.batchesPerEpoch());
            this.objective = objective;
            if (objective.hasTargets()) {
                data.train().samples().forEach(s -> trainTargets.add(Hdf5Data.target(s)));
            }
        }

        /** The record of the best epoch so far. */
        EpochRecord best() {
            for (EpochRecord r : history) {
                if (r.epoch() == bestEpoch) {
                    return r;
                }
            }
            throw new IllegalStateException("no record of the best epoch " + bestEpoch);
        }

        LinearProbe.Result resume() {
            Snapshots.Found found;
            try {
                found = snapshots.latest().orElseThrow(() -> new IllegalArgumentException("--resume: "
                        + snapshots.whyEmpty()));
            } catch (IllegalStateException e) {
                throw new IllegalStateException("--resume: " + e.getMessage(), e);
            }
            Snapshots.Manifest saved = found.manifest();
            List<String> differences = Fingerprint.differences(saved.settings(), fingerprint);
            if (!differences.isEmpty()) {
                throw new IllegalArgumentException("--resume: " + found.manifestFile() + " was written by a run with "
                        + "other settings: " + String.join("; ", differences));
            }
            NetWeights.copy(CaffeModelReader.read(found.weights()), net);
            solver.restore(found.solverState().toByteArray(), found.manifestFile().toString());
            history.addAll(saved.history());
            bestEpoch = saved.bestEpoch();
            bestScore = best().score();
            probe = saved.linearProbe();
            if (saved.iterationLog() != null) {
                earlierLogs.addAll(saved.iterationLog());
            }
            listener.message("resumed from " + found.manifestFile() + " at iteration " + solver.iteration());
            return probe;
        }

        void train() {
            int iterSize = solver.settings().iterSize();
            int bpe = feed.batchesPerEpoch();
            int startIteration = solver.iteration();
            recorder = new IterationLog.Recorder(startIteration + 1);
            while (solver.iteration() < totalIterations) {
                long[] batch = {(long) solver.iteration() * iterSize};
                double rate = solver.rate();
                long t0 = System.nanoTime();
                Solver.Outcome step = solver.stepCounted(n -> {
                    long b = batch[0]++;
                    DataFeed.Pass p = feed.trainPass(b);
                    if (usage.add(b, p.images())) {
                        throw NoUsableImages.error("training", data.train(), feed.skipped());
                    }
                    epochLoss += p.loss() * p.images();
                    epochCorrect += p.accuracy() * p.images();
                    epochImages += p.images();
                    trainedImages += p.images();
                    return new Solver.Outcome(p.loss(), p.images());
                });
                trainSeconds += (System.nanoTime() - t0) / 1e9;
                recorder.add(step.updated() ? step.loss() : Double.NaN, rate);
                int iter = solver.iteration();
                long done = (long) iter * iterSize;
                int epoch = (int) Math.min(cfg.epochs(), (done - iterSize) / bpe + 1);
                double perIteration = trainSeconds / (iter - startIteration);
                if (step.updated()) {
                    listener.iteration(iter, totalIterations, epoch, step.loss(), rate, imagesPerSecond(),
                            perIteration * (totalIterations - iter));
                } else {
                    listener.message("iter " + iter + "/" + totalIterations + ": no image of its batches could be "
                            + "used, no update");
                }
                // An epoch ends in the iteration that consumes its last batch (iter_size need not divide it).
                boolean epochEnd = done / bpe > (done - iterSize) / bpe || iter == totalIterations;
                if (epochEnd) {
                    int completed = iter == totalIterations ? cfg.epochs() : (int) (done / bpe);
                    validate(completed, epochLoss / Math.max(1, epochImages), objective.hasTargets() ? null
                            : epochCorrect / Math.max(1, epochImages), rate);
                    epochLoss = 0;
                    epochCorrect = 0;
                    epochImages = 0;
                }
                if (snapshots != null && ((cfg.snapshotEvery() > 0 && iter % cfg.snapshotEvery() == 0)
                        || iter == totalIterations)) {
                    snapshot(Snapshots.iterationTag(iter));
                }
            }
        }

        double imagesPerSecond() {
            return trainSeconds == 0 ? 0 : trainedImages / trainSeconds;
        }

        /** The iteration logs of the runs before a resumption and of this one. */
        List<IterationLog> iterationLog() {
            List<IterationLog> all = new ArrayList<>(earlierLogs);
            if (recorder != null) {
                all.add(recorder.log(imagesPerSecond()));
            }
            return all;
        }

        void validate(int epoch, Double trainLoss, Double trainAccuracy, Double rate) {
            double[] sums = new double[3];
            List<Map<String, Object>> predictions = new ArrayList<>();
            TargetEvaluation targets = objective.hasTargets()
                    ? new TargetEvaluation(objective, trainTargets, val.classes().size()) : null;
            feed.infer(val, (n, labels, samples) -> {
                Tensor scores = n.backend().download(n.blob(training.scores()));
                int k = scores.count() / labels.length;
                for (int i = 0; targets != null && i < labels.length; i++) {
                    var sample = val.samples().get(samples[i]);
                    float[] target = Hdf5Data.target(sample);
                    targets.add(scores.hostData(), i * k, target);
                    predictions.add(TargetEvaluation.prediction(objective, sample.file().toString(), target,
                            scores.hostData(), i * k, k));
                }
                for (int i = 0; targets == null && i < labels.length; i++) {
                    int best = 0;
                    for (int c = 1; c < k; c++) {
                        if (scores.hostData()[i * k + c] > scores.hostData()[i * k + best]) {
                            best = c;
                        }
                    }
                    double[] probability = new double[k];
                    for (int c = 0; c < k; c++) {
                        probability[c] = scores.hostData()[i * k + c];
                    }
                    probability = HeadReport.softmax(probability);
                    Map<String, Object> p = new LinkedHashMap<>();
                    p.put("file", val.samples().get(samples[i]).file().toString());
                    p.put("label", labels[i]);
                    p.put("predicted", best);
                    p.put("probability", probability[best]);
                    p.put("true_probability", probability[labels[i]]);
                    predictions.add(p);
                }
                float loss = n.backend().download(n.blob(training.loss())).hostData()[0];
                float acc = targets != null ? 0 : n.backend().download(n.blob(training.accuracy())).hostData()[0];
                sums[0] += (double) loss * labels.length;
                sums[1] += (double) acc * labels.length;
                sums[2] += labels.length;
            });
            if (sums[2] == 0) {
                throw NoUsableImages.error("validation", val, feed.skipped());
            }
            EpochRecord r = new EpochRecord(epoch, solver.iteration(), trainLoss, trainAccuracy, sums[0] / sums[2],
                    targets == null ? sums[1] / sums[2] : null, rate, seconds(),
                    targets == null ? null : targets.metrics());
            history.add(r);
            lastPredictions = predictions;
            listener.epoch(r, cfg.epochs());
            if (r.score() > bestScore) {
                bestScore = r.score();
                bestEpoch = epoch;
                if (snapshots != null) {
                    snapshot("best");
                }
            }
        }

        void snapshot(String tag) {
            Snapshots.Meta meta = new Snapshots.Meta(solver.iteration(), fingerprint, List.copyOf(history),
                    best().valAccuracy(), bestEpoch, probe, iterationLog());
            Path manifest = snapshots.write(tag, net, NetProtos.proto(training.definition()), solver, meta);
            listener.message("snapshot " + manifest + " (iteration " + solver.iteration() + ")");
        }
    }

    /** Writes the deploy net (with the new layer) and its weights; returns the paths. */
    private Map<String, String> export(Net net, NetParameter replacedDeploy, Solver solver) {
        Path dir = cfg.export();
        Path deploy = dir.resolve("deploy.prototxt");
        Path model = dir.resolve("finetuned.caffemodel");
        Set<String> deployLayers = new java.util.HashSet<>();
        replacedDeploy.getLayerList().forEach(l -> deployLayers.add(l.getName()));
        Map<String, List<Tensor>> blobs = HostParams.checked(net, l -> deployLayers.contains(l.name()), solver,
                "export " + model);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create export folder " + dir + ": " + e.getMessage(), e);
        }
        CaffeModelWriter.writeDeployPrototxt(deploy, replacedDeploy);
        CaffeModelWriter.write(model, replacedDeploy, blobs);
        listener.message("exported " + deploy + " and " + model);
        Map<String, String> out = new LinkedHashMap<>();
        out.put("deploy", deploy.toString());
        out.put("caffemodel", model.toString());
        return out;
    }

    static void writeReport(Path file, FineTuneResult result) {
        try {
            AtomicFiles.writeString(AtomicFiles.withParentFolder(file), Snapshots.JSON.writeValueAsString(result));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write report " + file + ": " + e.getMessage(), e);
        }
    }
}

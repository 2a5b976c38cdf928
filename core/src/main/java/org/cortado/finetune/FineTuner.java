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
import org.cortado.caffe.Prototxt;
import org.cortado.caffe.proto.Caffe.NetParameter;
import org.cortado.data.ImageDataset;
import org.cortado.data.ImageFolders;
import org.cortado.data.Skipped;
import org.cortado.data.TrainValSplit;
import org.cortado.heads.HeadReport;
import org.cortado.io.AtomicFiles;
import org.cortado.layers.Layer;
import org.cortado.layers.NetDefinitionException;
import org.cortado.layers.Param;
import org.cortado.layers.Phase;
import org.cortado.net.Net;
import org.cortado.solver.Solver;
import org.cortado.solver.SolverSettings;
import org.cortado.tensor.Tensor;

/**
 * Fine-tunes a pretrained Caffe net on an image-folder data set: replaces the classifier by a new N-way layer,
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
        NetParameter deploy = Prototxt.readNet(cfg.model());
        CaffeWeights weights = CaffeModelReader.read(cfg.weights());
        TrainValSplit data = cfg.val() != null ? ImageFolders.trainVal(cfg.train(), cfg.val())
                : ImageFolders.scan(cfg.train()).split(cfg.valFraction(), cfg.seed());
        List<String> classes = data.train().classes();
        String newName = cfg.replacementName();
        NetParameter replaced = NetSurgery.replaceLayer(deploy, cfg.replace(), classes.size(), newName,
                cfg.weightFiller(), cfg.biasFiller());
        if (cfg.linearProbe()) {
            replaced = NetSurgery.insertStandardization(replaced, newName);
        }
        NetSurgery.TrainingNet training = NetSurgery.forTraining(replaced, cfg.batchSize());
        Net net = Net.build(training.definition(), Phase.TRAIN, backend);
        // Training reads losses, scores and gradients, never a convolution's output before its ReLU, nor the
        // outputs of the convolutions that feed a concat (which a frozen prefix then writes in place).
        net.fuseReLUs();
        net.writeConcatsInPlace();
        List<String> ignored = net.copyWeightsFrom(weights,
                Set.of(newName, NetSurgery.standardizationOf(newName)));
        listener.message("net '" + net.name() + "': " + cfg.replace() + " replaced by " + newName + " ("
                + classes.size() + " classes: " + String.join(", ", classes) + ")"
                + (ignored.isEmpty() ? "" : "; weights of layers not in the net ignored: " + ignored));
        NetSurgery.initialize(net, newName, CounterRng.derive(cfg.seed(), STREAM_INIT));
        int[] counts = setMultipliers(net, newName);
        String dataBlob = dataInput(net, training.label());
        listener.built(net);

        int totalBatches;
        try (DataFeed feed = new DataFeed(net, dataBlob, training.label(), training.accuracy(), data.train(),
                cfg.trainTransform(), cfg.evalTransform(), cfg.batchSize(), cfg.decodeThreads(), cfg.seed(),
                cfg.cachePrefix(), List.of(data.val()))) {
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
            Map<String, Object> fingerprint = fingerprint(settings);
            Snapshots snapshots = cfg.snapshotDir() == null ? null : new Snapshots(cfg.snapshotDir());
            Run run = new Run(net, training, feed, solver, snapshots, fingerprint, data.val(), totalIterations);

            LinearProbe.Result probe = null;
            if (cfg.resume()) {
                probe = run.resume();
                if (probe != null) {
                    keepProbePenalty(net, newName, probe, settings);
                }
            } else {
                if (cfg.linearProbe()) {
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
            Map<String, String> exported = cfg.export() == null ? null : export(net, replaced);
            EpochRecord last = run.history.get(run.history.size() - 1);
            List<Map<String, String>> skipped = new ArrayList<>();
            for (Skipped s : feed.skipped()) {
                skipped.add(Map.of("file", s.file().toString(), "reason", s.reason()));
            }
            int nTrain = data.train().size() - countIn(feed.skipped(), data.train());
            int nVal = data.val().size() - countIn(feed.skipped(), data.val());
            FineTuneResult result = new FineTuneResult(last.valAccuracy(),
                    last.trainAccuracy() == null ? Double.NaN : last.trainAccuracy(), run.bestAccuracy,
                    run.bestEpoch, nTrain, nVal, skipped, classes, cfg.replace(), newName, cfg.freezeThrough(),
                    feed.cachedThrough(), probe, counts[0], counts[1], solver.iteration(), run.imagesPerSecond(),
                    seconds(), List.copyOf(run.history), run.lastPredictions, fingerprint, exported,
                    run.iterationLog(), LayerSettings.of(net));
            if (cfg.report() != null) {
                writeReport(cfg.report(), result);
            }
            return result;
        }
    }

    /** Multipliers from a train_val prototxt, the new layer's, then freezing; returns {frozen, learned} blobs. */
    private int[] setMultipliers(Net net, String newName) {
        if (cfg.trainVal() != null) {
            List<String> missing = NetSurgery.applyMultipliers(net, Prototxt.readNet(cfg.trainVal()));
            missing.remove(newName);
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

    /** What must not change between a run and its resumption. */
    private Map<String, Object> fingerprint(SolverSettings s) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("model", cfg.model().toString());
        f.put("weights", cfg.weights().toString());
        f.put("train", cfg.train().toString());
        f.put("val", cfg.val() == null ? "held out " + cfg.valFraction() : cfg.val().toString());
        f.put("replace", cfg.replace());
        f.put("new_layer", cfg.replacementName());
        f.put("freeze_through", cfg.freezeThrough());
        f.put("epochs", cfg.epochs());
        f.put("seed", cfg.seed());
        f.put("batch_size", cfg.batchSize());
        f.put("solver", s.toString());
        f.put("train_val", cfg.trainVal() == null ? null : cfg.trainVal().toString());
        f.put("head_lr_mult", (double) cfg.headLrMult());
        f.put("linear_probe", cfg.linearProbe());
        f.put("train_transform", cfg.trainTransform().describe());
        f.put("val_transform", cfg.evalTransform().describe());
        return f;
    }

    /** The state of the training loop. */
    private final class Run {
        final Net net;
        final NetSurgery.TrainingNet training;
        final DataFeed feed;
        final Solver solver;
        final Snapshots snapshots;
        final Map<String, Object> fingerprint;
        final ImageDataset val;
        final int totalIterations;
        final List<EpochRecord> history = new ArrayList<>();
        double bestAccuracy = -1;
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
            Map<String, Object> fingerprint, ImageDataset val, int totalIterations) {
            this.net = net;
            this.training = training;
            this.feed = feed;
            this.solver = solver;
            this.snapshots = snapshots;
            this.fingerprint = fingerprint;
            this.val = val;
            this.totalIterations = totalIterations;
        }

        LinearProbe.Result resume() {
            var found = snapshots.latest().orElseThrow(() -> new IllegalArgumentException(
                    "--resume: no complete snapshot in " + snapshots.dir()));
            Map<String, Object> saved = found.meta().settings();
            Map<?, ?> current = Snapshots.JSON.convertValue(fingerprint, Map.class);
            List<String> differences = new ArrayList<>();
            for (var key : current.keySet()) {
                if (!String.valueOf(current.get(key)).equals(String.valueOf(saved.get(key)))) {
                    differences.add(key + " " + saved.get(key) + " (snapshot) vs " + current.get(key) + " (now)");
                }
            }
            if (!differences.isEmpty()) {
                throw new IllegalArgumentException("--resume: " + found.weights() + " was written by a run with other "
                        + "settings: " + String.join("; ", differences));
            }
            net.copyWeightsFrom(CaffeModelReader.read(found.weights()));
            solver.restore(Snapshots.readState(found.solverState()), found.solverState().toString());
            history.addAll(found.meta().history());
            bestAccuracy = found.meta().bestValAccuracy();
            bestEpoch = found.meta().bestEpoch();
            probe = found.meta().linearProbe();
            if (found.meta().iterationLog() != null) {
                earlierLogs.addAll(found.meta().iterationLog());
            }
            listener.message("resumed from " + found.weights() + " at iteration " + solver.iteration());
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
                double loss = solver.step(n -> {
                    DataFeed.Pass p = feed.trainPass(batch[0]++);
                    epochLoss += p.loss() * p.images();
                    epochCorrect += p.accuracy() * p.images();
                    epochImages += p.images();
                    trainedImages += p.images();
                    return p.loss();
                });
                trainSeconds += (System.nanoTime() - t0) / 1e9;
                recorder.add(loss, rate);
                int iter = solver.iteration();
                long done = (long) iter * iterSize;
                int epoch = (int) Math.min(cfg.epochs(), (done - iterSize) / bpe + 1);
                double perIteration = trainSeconds / (iter - startIteration);
                listener.iteration(iter, totalIterations, epoch, loss, rate, imagesPerSecond(),
                        perIteration * (totalIterations - iter));
                // An epoch ends in the iteration that consumes its last batch (iter_size need not divide it).
                boolean epochEnd = done / bpe > (done - iterSize) / bpe || iter == totalIterations;
                if (epochEnd) {
                    int completed = iter == totalIterations ? cfg.epochs() : (int) (done / bpe);
                    validate(completed, epochLoss / Math.max(1, epochImages), epochCorrect / Math.max(1, epochImages),
                            rate);
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
            feed.infer(val, (n, labels, samples) -> {
                Tensor scores = n.backend().download(n.blob(training.scores()));
                int k = scores.count() / labels.length;
                for (int i = 0; i < labels.length; i++) {
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
                float acc = n.backend().download(n.blob(training.accuracy())).hostData()[0];
                sums[0] += (double) loss * labels.length;
                sums[1] += (double) acc * labels.length;
                sums[2] += labels.length;
            });
            double valAccuracy = sums[1] / sums[2];
            EpochRecord r = new EpochRecord(epoch, solver.iteration(), trainLoss, trainAccuracy, sums[0] / sums[2],
                    valAccuracy, rate, seconds());
            history.add(r);
            lastPredictions = predictions;
            listener.epoch(r, cfg.epochs());
            if (valAccuracy > bestAccuracy) {
                bestAccuracy = valAccuracy;
                bestEpoch = epoch;
                if (snapshots != null) {
                    snapshot("best");
                }
            }
        }

        void snapshot(String tag) {
            Snapshots.Meta meta = new Snapshots.Meta(solver.iteration(), null, null, fingerprint,
                    List.copyOf(history), bestAccuracy, bestEpoch, probe, iterationLog());
            Path json = snapshots.write(tag, net, training.definition(), solver, meta);
            listener.message("snapshot " + json.getParent().resolve(tag + ".caffemodel"));
        }
    }

    /** Writes the deploy net (with the new layer) and its weights; returns the paths. */
    private Map<String, String> export(Net net, NetParameter replacedDeploy) {
        Path dir = cfg.export();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create export folder " + dir + ": " + e.getMessage(), e);
        }
        Path deploy = dir.resolve("deploy.prototxt");
        Path model = dir.resolve("finetuned.caffemodel");
        CaffeModelWriter.writeDeployPrototxt(deploy, replacedDeploy);
        Map<String, List<Tensor>> blobs = new LinkedHashMap<>();
        for (var l : replacedDeploy.getLayerList()) {
            int idx;
            try {
                idx = net.indexOf(l.getName());
            } catch (NetDefinitionException e) {
                continue;
            }
            Layer layer = net.layers().get(idx);
            if (!layer.params().isEmpty()) {
                List<Tensor> host = new ArrayList<>();
                layer.params().forEach(p -> host.add(net.backend().download(p.data())));
                blobs.put(layer.name(), host);
            }
        }
        CaffeModelWriter.write(model, replacedDeploy, blobs);
        listener.message("exported " + deploy + " and " + model);
        Map<String, String> out = new LinkedHashMap<>();
        out.put("deploy", deploy.toString());
        out.put("caffemodel", model.toString());
        return out;
    }

    static void writeReport(Path file, FineTuneResult result) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            AtomicFiles.writeString(file, Snapshots.JSON.writeValueAsString(result));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write report " + file + ": " + e.getMessage(), e);
        }
    }
}

package org.cortado.finetune;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleSupplier;
import org.cortado.caffe.CaffeModelReader;
import org.cortado.data.Hdf5Data;
import org.cortado.data.NoUsableImages;
import org.cortado.data.TrainValSplit;
import org.cortado.net.Net;
import org.cortado.net.NetWeights;
import org.cortado.net.proto.NetProtos;
import org.cortado.solver.Solver;

/**
 * The state of {@link FineTuner}'s training loop: the solver's iterations over the training batches, a
 * {@link ValidationPass} at every epoch's end, the history and best epoch, the snapshots and the resumption from one.
 */
final class TrainingRun {
    private final FineTuneConfig cfg;
    private final FineTuneListener listener;
    /** Seconds since the fine-tuning started, for the epoch records. */
    private final DoubleSupplier seconds;
    private final Net net;
    private final NetSurgery.TrainingNet training;
    private final DataFeed feed;
    private final Solver solver;
    private final Snapshots snapshots;
    private final Map<String, Object> fingerprint;
    private final TrainValSplit data;
    private final int totalIterations;
    private final EpochUsage usage;
    private final List<EpochRecord> history = new ArrayList<>();
    private final Objective objective;
    private final ValidationPass validation;
    private double bestScore = Double.NEGATIVE_INFINITY;
    private int bestEpoch = -1;
    private long trainedImages;
    private double trainSeconds;
    private List<Map<String, Object>> lastPredictions = List.of();
    private final List<IterationLog> earlierLogs = new ArrayList<>();
    private IterationLog.Recorder recorder;
    private LinearProbe.Result probe;
    private double epochLoss;
    private double epochCorrect;
    private long epochImages;

    TrainingRun(FineTuneConfig cfg, FineTuneListener listener, DoubleSupplier seconds, Net net,
                NetSurgery.TrainingNet training, DataFeed feed, Solver solver, Snapshots snapshots,
                Map<String, Object> fingerprint, TrainValSplit data, int totalIterations, Objective objective) {
        this.cfg = cfg;
        this.listener = listener;
        this.seconds = seconds;
        this.net = net;
        this.training = training;
        this.feed = feed;
        this.solver = solver;
        this.snapshots = snapshots;
        this.fingerprint = fingerprint;
        this.data = data;
        this.totalIterations = totalIterations;
        this.usage = new EpochUsage(feed.batchesPerEpoch());
        this.objective = objective;
        List<float[]> trainTargets = new ArrayList<>();
        if (objective.hasTargets()) {
            data.train().samples().forEach(s -> trainTargets.add(Hdf5Data.target(s)));
        }
        this.validation = new ValidationPass(feed, training, data.val(), objective, trainTargets);
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

    int bestEpoch() {
        return bestEpoch;
    }

    /** The records of every epoch validated so far, the runs before a resumption included. */
    List<EpochRecord> history() {
        return history;
    }

    /** The last validation's predictions, one per image. */
    List<Map<String, Object>> lastPredictions() {
        return lastPredictions;
    }

    /** The linear probe that started the classifier (kept in the snapshots), or null. */
    void setProbe(LinearProbe.Result probe) {
        this.probe = probe;
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

    /** Validates after {@code epoch} (0: before training), records the epoch and snapshots a new best. */
    void validate(int epoch, Double trainLoss, Double trainAccuracy, Double rate) {
        ValidationPass.Outcome v = validation.run();
        EpochRecord r = new EpochRecord(epoch, solver.iteration(), trainLoss, trainAccuracy, v.loss(), v.accuracy(),
                rate, seconds.getAsDouble(), v.targets());
        history.add(r);
        lastPredictions = v.predictions();
        listener.epoch(r, cfg.epochs());
        if (r.score() > bestScore) {
            bestScore = r.score();
            bestEpoch = epoch;
            if (snapshots != null) {
                snapshot("best");
            }
        }
    }

    private void snapshot(String tag) {
        Snapshots.Meta meta = new Snapshots.Meta(solver.iteration(), fingerprint, List.copyOf(history),
                best().valAccuracy(), bestEpoch, probe, iterationLog());
        Path manifest = snapshots.write(tag, net, NetProtos.proto(training.definition()), solver, meta);
        listener.message("snapshot " + manifest + " (iteration " + solver.iteration() + ")");
    }
}

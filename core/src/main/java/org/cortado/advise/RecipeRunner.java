package org.cortado.advise;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.cortado.backend.Backend;
import org.cortado.data.DecodeWarning;
import org.cortado.data.Skipped;
import org.cortado.data.TrainValSplit;
import org.cortado.features.FeatureFiles;
import org.cortado.features.FeatureSet;
import org.cortado.finetune.FineTuneConfig;
import org.cortado.finetune.FineTuneListener;
import org.cortado.finetune.FineTuneResult;
import org.cortado.finetune.FineTuner;
import org.cortado.image.TransformSpec;
import org.cortado.io.JsonReport;
import org.cortado.json.JsonTree;
import org.cortado.transfer.CodeSpec;
import org.cortado.transfer.Transfer;

/**
 * Runs a {@link Recommendation} through the code that serves the same recipe on the command line: codes through
 * {@link Transfer#run} (its feature files written first from the probe's codes, which are the same floats, so that
 * the transfer finds them complete and computes no pass), fine-tuning through {@link FineTuner#run}.
 */
public final class RecipeRunner {
    /** A forward and backward pass costs about three forward passes. */
    private static final double TRAINING_PASS_COST = 3;
    /**
     * The forward speed assumed when the probe computed no codes (all were reused): SqueezeNet's on the 2-core
     * development machine under load.
     */
    private static final double ASSUMED_IMAGES_PER_SECOND = 5;

    /**
     * What a run gave, in the report fields {@code transfer} and {@code finetune} write.
     *
     * @param recipe        what ran
     * @param valAccuracy   validation accuracy
     * @param trainAccuracy training accuracy (of the head on the training codes; for fine-tuning, the running
     *                      accuracy of the last epoch)
     * @param nTrain        training images used
     * @param nVal          validation images scored
     * @param skipped       images left out, with reasons
     * @param warnings      images used despite damage their decoder got past, with its warning
     * @param seconds       wall time
     * @param report        the run's own report, as {@code transfer} (without its provenance) or {@code finetune}
     *                      writes it
     */
    public record Outcome(Recommendation recipe, double valAccuracy, double trainAccuracy, int nTrain, int nVal,
            List<Skipped> skipped, List<DecodeWarning> warnings, double seconds, JsonReport report) {
    }

    /** A fine-tuning result as {@code finetune} writes its report: the record's fields in snake_case. */
    private static final ObjectMapper FINETUNE_JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

    private final Advisor.Config config;
    private final TrainValSplit data;
    private final Probe.Result probe;
    private final Backend backend;
    private final FineTuneListener listener;

    RecipeRunner(Advisor.Config config, TrainValSplit data, Probe.Result probe, Backend backend,
            FineTuneListener listener) {
        this.config = config;
        this.data = data;
        this.probe = probe;
        this.backend = backend;
        this.listener = listener;
    }

    /** Runs {@code r}. */
    Outcome run(Recommendation r) {
        long t0 = System.nanoTime();
        if (r.strategy() == Recommendation.Strategy.CODES) {
            Path dir = config.codesDir().resolve("transfer-" + Integer.toHexString(r.layerArgument().hashCode()));
            try {
                Files.createDirectories(dir);
            } catch (IOException e) {
                throw new UncheckedIOException(dir + ": cannot create: " + e.getMessage(), e);
            }
            FeatureFiles.write(dir.resolve("train.npy"), codes(r.layers(), probe.trainCodes()));
            FeatureFiles.write(dir.resolve("val.npy"), codes(r.layers(), probe.valCodes()));
            List<CodeSpec> specs = r.layers().stream()
                    .map(l -> new CodeSpec(l, CodeSpec.Activation.POST, CodeSpec.Pooling.AVG)).toList();
            Transfer.Config transfer = new Transfer.Config(config.deploy(), config.weights(), specs, config.input(),
                    r.head(), dir, null, config.extraction(), 0, true, config.quiet());
            Transfer.Result t = Transfer.run(transfer, data, backend);
            return new Outcome(r, t.valEvaluation().accuracy(), t.trainEvaluation().accuracy(), t.train().rows(),
                    t.val().rows(), t.skipped(), t.warnings(), seconds(t0),
                    Transfer.report(t, transfer, null, backend.device().toString()));
        }
        // The images are prepared as the measurements saw them, with Caffe's random mirror in training.
        TransformSpec eval = config.input().transform();
        TransformSpec trainTransform = new TransformSpec(eval.resize(), eval.cropHeight(), eval.cropWidth(), false,
                true, eval.meanValues(), eval.meanImage(), eval.scale());
        FineTuneResult f = FineTuner.run(FineTuneConfig.builder().model(config.deploy(), config.weights())
                .data(config.train(), config.val()).replace(r.replace()).freezeThrough(r.freezeThrough())
                .epochs(r.epochs()).seed(config.seed()).transforms(trainTransform, eval).build(), backend, listener);
        List<Skipped> skipped = new ArrayList<>();
        for (Map<String, String> s : f.skipped()) {
            skipped.add(new Skipped(Path.of(s.get("file")), s.get("reason")));
        }
        List<DecodeWarning> warnings = new ArrayList<>();
        for (Map<String, String> w : f.warnings()) {
            warnings.add(new DecodeWarning(Path.of(w.get("file")), w.get("reason")));
        }
        return new Outcome(r, f.valAccuracy(), f.trainAccuracy(), f.nTrain(), f.nVal(), skipped, warnings,
                seconds(t0), JsonTree.of(FINETUNE_JSON.valueToTree(f)));
    }

    /**
     * About how long {@code r} takes here: for codes, a head fit as long as the probe's per row, scaled by the code
     * length; for fine-tuning, from the probe's forward speed, a probe pass over the training images and per epoch a
     * training pass and a validation pass.
     */
    double estimateSeconds(Recommendation r) {
        Probe.Timings t = probe.timings();
        if (r.strategy() == Recommendation.Strategy.CODES) {
            double meanDim = probe.rows().stream().mapToInt(Probe.Row::dim).average().orElse(1);
            int dim = r.layers().stream().mapToInt(l -> probe.trainCodes().get(l).dim()).sum();
            return t.fits() / probe.rows().size() * dim / meanDim;
        }
        double codeSeconds = t.trainCodes() + t.valCodes();
        double imagesPerSecond = codeSeconds < 1 ? ASSUMED_IMAGES_PER_SECOND
                : (probe.nTrain() + probe.nVal()) / codeSeconds;
        double passes = probe.nTrain() + r.epochs() * (TRAINING_PASS_COST * probe.nTrain() + probe.nVal());
        return passes / imagesPerSecond;
    }

    private static FeatureSet codes(List<String> layers, Map<String, FeatureSet> byLayer) {
        if (layers.size() == 1) {
            return byLayer.get(layers.get(0));
        }
        List<FeatureSet> sets = layers.stream().map(byLayer::get).toList();
        return CodeColumns.join(sets, CodeColumns.withLayer(sets.get(0).provenance(), String.join("+", layers),
                "avg"));
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }
}

package org.cortado.advise;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.cortado.backend.Backend;
import org.cortado.caffe.proto.Caffe.NetParameter;
import org.cortado.data.DataSource;
import org.cortado.data.TrainValSplit;
import org.cortado.features.CodeExtractor;
import org.cortado.features.FeatureSet;
import org.cortado.finetune.FineTuneListener;
import org.cortado.finetune.FineTuneRecipe;
import org.cortado.heads.HeadSpec;
import org.cortado.heads.HeadType;
import org.cortado.layers.Phase;
import org.cortado.net.proto.NetProtos;
import org.cortado.transfer.CodeSpec;
import org.cortado.transfer.InputRecipe;

/**
 * Looks at a data set, says which of the four cases it is and why, recommends a recipe and, if asked, runs it through
 * the {@code transfer} or {@code finetune} code ({@link RecipeRunner}).
 *
 * <p>It measures with one {@link Probe} (the default layers, a softmax head at C = 1 on standardised codes, the
 * source net's own predictions from the same pass), decides with {@link CaseRules}, and recommends:
 * <ul>
 *   <li>small, similar: a linear head on the top code layer, the last probed layer below the source classifier
 *       (SqueezeNet's fire9/concat), unless another single layer cross-validates better by more than
 *       {@value #CLOSE} on the training codes;</li>
 *   <li>small, different: of the codes of every probed layer below the source classifier joined, and the best
 *       single such layer, the one that cross-validates better on the training codes;</li>
 *   <li>large, similar: fine-tuning of the last stage (frozen through {@link Measurements#topStage()});</li>
 *   <li>large, different: fine-tuning from the shallowest freeze point that still has
 *       {@value CaseRules#LARGE_IMAGES_PER_PARAM} training images per trained parameter (every layer when the whole
 *       net has).</li>
 * </ul>
 * When a runner-up cross-validates within {@value #CLOSE} of the recommendation, it is named too, and with a run
 * both are run when the budget allows. The choices look at the training set only; the validation set is scored, never
 * used to choose.
 */
public final class Advisor {
    /** Cross-validated accuracies closer than this are too close to call on a small training set. */
    public static final double CLOSE = 0.02;
    /** The head of the measurements and of the codes recipes: softmax at C = 1 on standardised codes. */
    public static final HeadSpec HEAD = HeadSpec.defaults(HeadType.SOFTMAX);

    private Advisor() {
    }

    /**
     * What to advise on.
     *
     * @param deploy        the source net's deploy prototxt
     * @param weights       its caffemodel
     * @param train         training images (image folders, a Caffe list file or an LMDB)
     * @param val           validation images over the same classes
     * @param input         how images are prepared for codes
     * @param codesDir      where the probe's and the recipes' feature files go
     * @param extraction    batch size, decoding threads, part size
     * @param resume        reuse the probe's feature files in {@code codesDir} that hold the same codes
     * @param budgetMinutes how long running may take; a second candidate runs only when both fit
     * @param run           run the recommendation
     * @param seed          seed of fine-tuning
     * @param quiet         no progress lines
     */
    public record Config(Path deploy, Path weights, DataSource train, DataSource val, InputRecipe input,
            Path codesDir, CodeExtractor.Options extraction, boolean resume, double budgetMinutes, boolean run,
            long seed, boolean quiet) {
        public Config {
            java.util.Objects.requireNonNull(codesDir, "codesDir");
            if (!(budgetMinutes > 0)) {
                throw new IllegalArgumentException("the budget must be a positive number of minutes, got "
                        + budgetMinutes);
            }
        }
    }

    /**
     * What the advisor found and did.
     *
     * @param probe          the layer sweep it measured with
     * @param measurements   the figures it decided on
     * @param freezePoints   the parameters fine-tuning would train above each probed layer
     * @param decision       the case, with the size and similarity reasons
     * @param recommendation the recipe
     * @param alternative    a runner-up within {@link #CLOSE} by cross-validation, or null
     * @param joined         for a small case, the row of every probed layer below the classifier joined, or null
     * @param reasons        the reasons in one paragraph
     * @param outcomes       with a run: the recommendation's outcome first, then the runner-up's when it ran
     * @param notRun         with a run, why the runner-up did not run (null when it did or there is none)
     */
    public record Result(Probe.Result probe, Measurements measurements, FreezePoints.Counts freezePoints,
            CaseRules.Decision decision, Recommendation recommendation, Recommendation alternative, Probe.Row joined,
            String reasons, List<RecipeRunner.Outcome> outcomes, String notRun) {
    }

    /** Measures, decides, recommends and, when {@code config.run()}, runs. */
    public static Result run(Config config, Backend backend, FineTuneListener listener) {
        TrainValSplit data = DataSource.trainVal(config.train(), config.val());
        Probe.Result probe = Probe.run(probeConfig(config), data, backend);
        NetParameter full = NetProtos.readNormalized(config.deploy(), Phase.TEST);
        List<Probe.Row> singles = probe.rows().stream().filter(r -> !r.combined()).toList();
        FreezePoints.Counts counts = FreezePoints.of(full, singles.stream().map(Probe.Row::name).toList(),
                probe.classes().size(), probe.nTrain(), backend);
        int classifierDepth = Probe.depth(full, counts.classifier());
        List<Probe.Row> below = singles.stream().filter(r -> r.depth() < classifierDepth).toList();
        if (below.isEmpty()) {
            throw new IllegalArgumentException(config.deploy() + ": no probed layer lies below the classifier '"
                    + counts.classifier() + "'");
        }
        Measurements m = measure(probe, counts, below);
        CaseRules.Decision decision = CaseRules.decide(m);
        Choice choice = choose(decision.verdict(), m, probe, singles, below, counts);
        String reasons = decision.size() + "; " + decision.similarity() + ". " + choice.why;
        List<RecipeRunner.Outcome> outcomes = new ArrayList<>();
        String notRun = null;
        Recommendation recommendation = choice.recommendation;
        if (config.run()) {
            RecipeRunner runner = new RecipeRunner(config, data, probe, backend, listener);
            double budget = config.budgetMinutes() * 60;
            double estimate = runner.estimateSeconds(recommendation);
            if (recommendation.strategy() == Recommendation.Strategy.FINETUNE && estimate > budget
                    && recommendation.epochs() > 1) {
                int epochs = Math.max(1, (int) (recommendation.epochs() * budget / estimate));
                reasons += String.format(Locale.ROOT, " The budget of %.0f minutes allows about %d of the recipe's %d"
                        + " epochs here (%.0f s estimated for all).", config.budgetMinutes(), epochs,
                        recommendation.epochs(), estimate);
                recommendation = Recommendation.finetune(recommendation.replace(), recommendation.freezeThrough(),
                        recommendation.baseLr(), epochs);
            }
            outcomes.add(runner.run(recommendation));
            if (choice.alternative != null) {
                double left = budget - outcomes.get(0).seconds();
                double needed = runner.estimateSeconds(choice.alternative);
                if (needed <= left) {
                    outcomes.add(runner.run(choice.alternative));
                } else {
                    notRun = String.format(Locale.ROOT, "the runner-up would take about %.0f s, %.0f s of the budget"
                            + " are left", needed, Math.max(0, left));
                }
            }
        }
        return new Result(probe, m, counts, decision, recommendation, choice.alternative, choice.joined, reasons,
                List.copyOf(outcomes), notRun);
    }

    /** The probe the advisor measures with: the default layers, averaged, {@link #HEAD}, the source's output too. */
    public static Probe.Config probeConfig(Config config) {
        return new Probe.Config(config.deploy(), config.weights(), null, CodeSpec.Pooling.AVG, config.input(), HEAD,
                List.of(), config.codesDir(), config.extraction(), config.resume(), true, config.quiet());
    }

    private static Measurements measure(Probe.Result probe, FreezePoints.Counts counts, List<Probe.Row> below) {
        Probe.Row top = below.get(below.size() - 1);
        FreezePoints.Point stage = counts.at(below.size() > 1 ? below.get(below.size() - 2).name() : top.name());
        Probe.Row bestBelow = below.subList(0, Math.max(1, below.size() - 1)).stream()
                .max(Comparator.comparingDouble(Probe.Row::cvAccuracy)).orElseThrow();
        int[] perClass = new int[probe.classes().size()];
        for (int y : probe.trainCodes().get(top.name()).labels()) {
            perClass[y]++;
        }
        int min = java.util.Arrays.stream(perClass).min().orElse(0);
        return new Measurements(probe.nTrain(), perClass.length, min, (double) probe.nTrain() / perClass.length,
                stage, probe.source(), top.name(), top.cvAccuracy(), bestBelow.name(), bestBelow.cvAccuracy());
    }

    /** A recommendation, a runner-up or null, the joined row when computed, and why. */
    record Choice(Recommendation recommendation, Recommendation alternative, Probe.Row joined, String why) {
    }

    private static Choice choose(Case verdict, Measurements m, Probe.Result probe, List<Probe.Row> singles,
            List<Probe.Row> below, FreezePoints.Counts counts) {
        return switch (verdict) {
            case SMALL_SIMILAR -> smallSimilar(m, singles);
            case SMALL_DIFFERENT -> smallDifferent(below,
                    joinedRow(probe, below.stream().map(Probe.Row::name).toList()));
            case LARGE_SIMILAR -> new Choice(Recommendation.finetune(counts.classifier(), m.topStage().layer(),
                    FineTuneRecipe.BASE_LR, FineTuneRecipe.EPOCHS), null, null, String.format(Locale.ROOT,
                    "With that much data the last stage can adapt to the new classes without overfitting, and with"
                            + " similar images the earlier layers' features already fit: fine-tune above %s (%,d"
                            + " parameters), the source classifier %s replaced, with the fine-tuning recipe's rate"
                            + " and epochs.", m.topStage().layer(), m.topStage().paramsAbove(), counts.classifier()));
            case LARGE_DIFFERENT -> largeDifferent(counts, m.nTrain());
        };
    }

    /** The small-similar choice among the single layers probed ({@code m} names the top code layer). */
    static Choice smallSimilar(Measurements m, List<Probe.Row> singles) {
        Probe.Row top = singles.stream().filter(r -> r.name().equals(m.topCodeLayer())).findFirst().orElseThrow();
        Probe.Row best = singles.stream().max(Comparator.comparingDouble(Probe.Row::cvAccuracy)).orElseThrow();
        Probe.Row chosen = best.cvAccuracy() - top.cvAccuracy() > CLOSE ? best : top;
        Probe.Row other = chosen == top ? best : top;
        Recommendation alternative = other != chosen && Math.abs(other.cvAccuracy() - chosen.cvAccuracy()) <= CLOSE
                ? codes(other) : null;
        String why = String.format(Locale.ROOT, "Few images of familiar content: a linear head on the top codes,"
                + " %s (cross-validated accuracy %.3f on the training codes%s), %s.", chosen.name(),
                chosen.cvAccuracy(), chosen == top
                        ? best == top ? ", the best of the sweep" : String.format(Locale.ROOT, "; %s's %.3f is within"
                                + " %.2f, too close to call", best.name(), best.cvAccuracy(), CLOSE)
                        : String.format(Locale.ROOT, "; it beats the top code layer %s (%.3f) by more than %.2f",
                                top.name(), top.cvAccuracy(), CLOSE),
                HEAD.describe() + " at C = 1, the transfer default");
        return new Choice(codes(chosen), alternative, null, why);
    }

    /** The small-different choice between the layers below the classifier, one by one and {@code joined}. */
    static Choice smallDifferent(List<Probe.Row> below, Probe.Row joined) {
        Probe.Row single = below.stream().max(Comparator.comparingDouble(Probe.Row::cvAccuracy)
                .thenComparing(Comparator.comparingInt(Probe.Row::depth).reversed())).orElseThrow();
        List<String> layers = joined.layers();
        Probe.Row chosen = joined.cvAccuracy() >= single.cvAccuracy() ? joined : single;
        Probe.Row other = chosen == joined ? single : joined;
        Recommendation alternative = Math.abs(other.cvAccuracy() - chosen.cvAccuracy()) <= CLOSE ? codes(other) : null;
        String why = String.format(Locale.ROOT, "Few images unlike the source task's: the top layers are specific to"
                + " that task, so codes from throughout the net: the %d probed layers below the source classifier"
                + " joined (%d values) cross-validate at %.3f on the training codes, the best single one, %s, at"
                + " %.3f; the recipe is %s, with a %s at C = 1.", layers.size(), joined.dim(), joined.cvAccuracy(),
                single.name(), single.cvAccuracy(), chosen == joined ? "the joined codes" : single.name() + "'s codes",
                HEAD.describe());
        return new Choice(codes(chosen), alternative, joined, why);
    }

    private static Choice largeDifferent(FreezePoints.Counts counts, int images) {
        String freeze = largeDifferentFreeze(counts, images);
        String what = freeze == null
                ? String.format(Locale.ROOT, "every layer trained (%,d parameters)", counts.totalParams())
                : "frozen through " + freeze + ", the shallowest layer with at least "
                        + CaseRules.LARGE_IMAGES_PER_PARAM + " training images per parameter above it";
        String why = String.format(Locale.ROOT, "With that much data unlike the source task's, as much of the net as"
                + " the data supports should adapt: %s, the source classifier %s replaced, with the fine-tuning"
                + " recipe's rate and epochs.", what, counts.classifier());
        return new Choice(Recommendation.finetune(counts.classifier(), freeze, FineTuneRecipe.BASE_LR,
                FineTuneRecipe.EPOCHS), null, null, why);
    }

    /**
     * The layer to freeze through for large, different data: the shallowest candidate with at least
     * {@value CaseRules#LARGE_IMAGES_PER_PARAM} images per parameter above it, or null (train every layer) when the
     * whole net has that many.
     */
    static String largeDifferentFreeze(FreezePoints.Counts counts, int images) {
        if ((double) images / counts.totalParams() >= CaseRules.LARGE_IMAGES_PER_PARAM) {
            return null;
        }
        for (FreezePoints.Point p : counts.points()) {
            if (p.imagesPerParam() >= CaseRules.LARGE_IMAGES_PER_PARAM) {
                return p.layer();
            }
        }
        return counts.points().get(counts.points().size() - 1).layer();
    }

    private static Recommendation codes(Probe.Row row) {
        return Recommendation.codes(row.layers(), HEAD, row.cvAccuracy());
    }

    /** The probe row of {@code layers}' codes joined, scored as the probe scores its rows. */
    static Probe.Row joinedRow(Probe.Result probe, List<String> layers) {
        String name = String.join("+", layers);
        List<FeatureSet> train = layers.stream().map(probe.trainCodes()::get).toList();
        List<FeatureSet> val = layers.stream().map(probe.valCodes()::get).toList();
        int depth = layers.stream().mapToInt(l -> probe.row(l).depth()).max().orElseThrow();
        return ProbeHeads.row(HEAD, layers, depth,
                CodeColumns.join(train, CodeColumns.withLayer(train.get(0).provenance(), name, "avg")),
                CodeColumns.join(val, CodeColumns.withLayer(val.get(0).provenance(), name, "avg")));
    }
}

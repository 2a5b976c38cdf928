package org.cortado.transfer;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.cortado.backend.Backend;
import org.cortado.data.Batch;
import org.cortado.data.BatchLoader;
import org.cortado.data.ImageDataset;
import org.cortado.data.LabeledImage;
import org.cortado.data.DecodeWarning;
import org.cortado.data.Skipped;
import org.cortado.data.TrainValSplit;
import org.cortado.features.CodeExtractor;
import org.cortado.features.FeatureSet;
import org.cortado.heads.CrossValidation;
import org.cortado.heads.Evaluation;
import org.cortado.heads.HeadReport;
import org.cortado.heads.HeadSpec;
import org.cortado.heads.TrainedHead;
import org.cortado.image.ImageTransformer;
import org.cortado.io.JsonReport;
import org.cortado.json.JsonTree;
import org.cortado.util.Progress;

/**
 * The fixed-feature-extractor recipe end to end: codes of the training and validation images from a truncated
 * pretrained net, a linear head fitted on the training codes, its evaluation, and the export of net and head as one
 * Caffe model, checked by reading it back.
 *
 * <pre>{@code
 * try (Backend backend = Backends.select("auto")) {
 *     Transfer.Result r = Transfer.run(config, ImageFolders.trainVal(trainDir, valDir), backend);
 *     System.out.println(r.valEvaluation().accuracy());
 * }
 * }</pre>
 */
public final class Transfer {

    private Transfer() {
    }

    /**
     * What to run.
     *
     * @param deploy            the deploy prototxt
     * @param weights           its caffemodel
     * @param codes             where the codes come from: one layer, or several whose codes are joined side by side
     *                          ({@link CodeNet#load(Path, Path, List, InputRecipe, Backend)})
     * @param input             how images are prepared
     * @param head              the head and how C is chosen
     * @param codesDir          where the feature files {@code train.npy} and {@code val.npy} go (an interrupted
     *                          extraction resumes from there)
     * @param export            the export folder, or null for none
     * @param extraction        batch size, decoding threads, part size
     * @param exportCheckImages how many validation images the export is checked on after writing (0: none)
     * @param resume            reuse complete feature files with the same codes in {@code codesDir} and resume
     *                          interrupted ones; without it, all codes are computed afresh
     * @param quiet             no progress lines
     */
    public record Config(Path deploy, Path weights, List<CodeSpec> codes, InputRecipe input, HeadSpec head,
            Path codesDir, Path export, CodeExtractor.Options extraction, int exportCheckImages, boolean resume,
            boolean quiet) {
        public Config {
            codes = List.copyOf(codes);
            if (codes.isEmpty()) {
                throw new IllegalArgumentException("give at least one code layer");
            }
        }

        /** The codes of one layer. */
        public Config(Path deploy, Path weights, CodeSpec code, InputRecipe input, HeadSpec head, Path codesDir,
                Path export, CodeExtractor.Options extraction, int exportCheckImages, boolean resume, boolean quiet) {
            this(deploy, weights, List.of(code), input, head, codesDir, export, extraction, exportCheckImages, resume,
                    quiet);
        }
    }

    /** Wall-clock seconds of each stage. */
    public record Timings(double load, double trainCodes, double valCodes, double fit, double export,
            double exportCheck, double total) {
    }

    /**
     * The export read back through the Caffe-format reader and run on the first validation images.
     *
     * @param images             how many images were compared
     * @param agreeing           how many got the head's class
     * @param maxProbabilityDiff the largest difference between the export's probability and the softmax of the
     *                           head's scores
     */
    public record ExportCheck(int images, int agreeing, double maxProbabilityDiff) {
        public boolean passed() {
            return agreeing == images;
        }
    }

    /** Everything a run produced. {@code export} and {@code exportCheck} are null without an export. */
    public record Result(CodeNet codes, FeatureSet train, FeatureSet val, TrainedHead head, Evaluation trainEvaluation,
            Evaluation valEvaluation, HeadExport.Exported export, ExportCheck exportCheck, Timings timings) {
        /** The images of both sets that gave no code, with reasons. */
        public List<Skipped> skipped() {
            List<Skipped> all = new ArrayList<>(train.skipped());
            all.addAll(val.skipped());
            return all;
        }

        /** The images of both sets that gave a code despite damage their decoder got past, with its warning. */
        public List<DecodeWarning> warnings() {
            List<DecodeWarning> all = new ArrayList<>(train.warnings());
            all.addAll(val.warnings());
            return all;
        }

        /** What the report is made of, with the feature files in {@code codesDir}. */
        public Summary summary(Path codesDir) {
            return new Summary(codes, head, train.classes(), trainEvaluation, valEvaluation, skipped(), warnings(),
                    val.files(), val.labels(), head.scores(val.rowArrays()), codesDir.resolve("train.npy"),
                    codesDir.resolve("val.npy"), timings, export, exportCheck);
        }
    }

    /**
     * What {@link #report} writes, whoever computed it (this class, or the Spark job, whose codes and head come from
     * the cluster).
     *
     * @param valFiles       the validation images, in the order of {@code valLabels} and {@code valScores}
     * @param valScores      the head's class scores of each validation image (for the report's val_predictions)
     * @param trainFeatures  where the training codes were saved
     * @param export         the export, or null
     * @param exportCheck    its check, or null
     */
    public record Summary(CodeNet codes, TrainedHead head, List<String> classes, Evaluation trainEvaluation,
            Evaluation valEvaluation, List<Skipped> skipped, List<DecodeWarning> warnings, List<String> valFiles,
            int[] valLabels, double[][] valScores, Path trainFeatures, Path valFeatures, Timings timings,
            HeadExport.Exported export, ExportCheck exportCheck) {
    }

    /**
     * Runs the recipe on {@code data}.
     *
     * @throws IllegalArgumentException before any work when an export is asked of a head that cannot be exported
     */
    public static Result run(Config config, TrainValSplit data, Backend backend) {
        if (config.export() != null) {
            String refused = HeadExport.refusal(config.head().preprocessing());
            if (refused != null) {
                throw new IllegalArgumentException(refused);
            }
        }
        long t0 = System.nanoTime();
        CodeNet codes = CodeNet.load(config.deploy(), config.weights(), config.codes(), config.input(), backend);
        long t1 = System.nanoTime();
        FeatureSet train = extract(codes, data.train(), config, "train");
        long t2 = System.nanoTime();
        FeatureSet val = extract(codes, data.val(), config, "val");
        long t3 = System.nanoTime();
        TrainedHead head = TrainedHead.fit(config.head(), train);
        Evaluation trainEval = head.evaluate(train);
        Evaluation valEval = head.evaluate(val);
        long t4 = System.nanoTime();
        HeadExport.Exported exported = null;
        ExportCheck check = null;
        long t5 = t4;
        if (config.export() != null) {
            exported = HeadExport.write(codes, head, train.classes(), config.export());
            t5 = System.nanoTime();
            if (config.exportCheckImages() > 0 && val.rows() > 0) {
                check = checkExport(codes, head, val, data.val(), config, backend);
            }
        }
        long t6 = System.nanoTime();
        Timings timings = new Timings(seconds(t0, t1), seconds(t1, t2), seconds(t2, t3), seconds(t3, t4),
                seconds(t4, t5), seconds(t5, t6), seconds(t0, t6));
        return new Result(codes, train, val, head, trainEval, valEval, exported, check, timings);
    }

    private static FeatureSet extract(CodeNet codes, org.cortado.data.ImageDataset set, Config config, String name) {
        Progress progress = config.quiet()
                ? new Progress(name + " codes", "img", set.size(), System.err, Progress.Mode.QUIET, System::nanoTime, 0)
                : Progress.onStderr(name + " codes", "img", set.size(), false);
        try (progress) {
            return codes.extract(set, config.codesDir().resolve(name + ".npy"), config.extraction(), progress,
                    config.resume());
        }
    }

    private static double seconds(long from, long to) {
        return (to - from) / 1e9;
    }

    /** Reads the export back and runs it on the first validation images that gave codes. */
    private static ExportCheck checkExport(CodeNet codes, TrainedHead head, FeatureSet val, ImageDataset valSet,
            Config config, Backend backend) {
        int n = Math.min(config.exportCheckImages(), val.rows());
        // The images by the names the codes recorded: a record of a database is read from it, not as a file.
        Map<String, LabeledImage> byName = new HashMap<>();
        valSet.samples().forEach(s -> byName.putIfAbsent(s.file().toString(), s));
        List<LabeledImage> images = new ArrayList<>(n);
        float[][] rows = new float[n][];
        float[][] all = val.rowArrays();
        for (int i = 0; i < n; i++) {
            LabeledImage known = byName.get(val.files().get(i));
            images.add(known != null ? known : new LabeledImage(Path.of(val.files().get(i)), val.labels()[i]));
            rows[i] = all[i];
        }
        return checkExport(codes, head, images, rows, config.export(), config.extraction(), backend);
    }

    /**
     * Reads the export in {@code exportDir} back through the Caffe-format reader, runs it on {@code images} and
     * compares its classes and probabilities with the head's on their codes {@code rows}.
     */
    public static ExportCheck checkExport(CodeNet codes, TrainedHead head, List<LabeledImage> images, float[][] rows,
            Path exportDir, CodeExtractor.Options extraction, Backend backend) {
        int n = images.size();
        int[] expected = head.predict(rows);
        double[][] scores = head.scores(rows);
        ExportedModel model = ExportedModel.load(exportDir, codes.input(), backend);
        int agreeing = 0;
        double maxDiff = 0;
        int row = 0;
        try (BatchLoader loader = BatchLoader.of(images, new ImageTransformer(codes.input().loaderTransform()),
                extraction.batchSize(), extraction.threads())) {
            while (loader.hasNext()) {
                Batch b = loader.next();
                if (!b.skipped().isEmpty()) {
                    throw new IllegalStateException("image " + b.skipped().get(0) + " gave a code before but not now");
                }
                float[][] probs = model.probabilities(b.data());
                int[] predicted = ExportedModel.argmax(probs);
                for (int i = 0; i < b.size(); i++, row++) {
                    if (predicted[i] == expected[row]) {
                        agreeing++;
                    }
                    double[] p = softmax(scores[row]);
                    for (int k = 0; k < p.length; k++) {
                        maxDiff = Math.max(maxDiff, Math.abs(p[k] - probs[i][k]));
                    }
                }
            }
        }
        return new ExportCheck(n, agreeing, maxDiff);
    }

    /** The softmax of a score vector, in double. */
    public static double[] softmax(double[] s) {
        return HeadReport.softmax(s);
    }

    /**
     * The JSON report: {@link HeadReport}'s fields (val_accuracy, train_accuracy, n_train, n_val, skipped, warnings,
     * per-class metrics, confusion, cross-validation) with the recipe, the feature files, each validation image's
     * prediction, the timings in seconds and the export.
     *
     * @param knownModel the manifest model the defaults came from, or null
     * @param device     the backend's device, in words
     */
    public static JsonReport report(Result r, Config config, String knownModel, String device) {
        return report(r.summary(config.codesDir()), config, knownModel, device);
    }

    /** The JSON report of {@code r}, as {@link #report(Result, Config, String, String)}. */
    public static JsonReport report(Summary r, Config config, String knownModel, String device) {
        ObjectNode report = JsonTree.edit(HeadReport.toJson(r.head(), r.classes(), r.trainEvaluation(),
                r.valEvaluation(), r.skipped(), r.warnings()));
        ObjectNode recipe = JsonTree.object();
        CodeNet codes = r.codes();
        recipe.put("model", config.deploy().toString());
        recipe.put("weights", config.weights().toString());
        recipe.put("weights_sha1", codes.weightsSha1());
        recipe.put("known_model", knownModel);
        // One code layer's values, or several joined by "+" (Provenance's form).
        recipe.put("layer", codes.provenance().layer());
        recipe.put("activation", codes.provenance().activation());
        recipe.put("pooling", codes.provenance().pooling());
        recipe.put("code_dim", codes.dim());
        recipe.put("preprocessing", codes.preprocessing());
        recipe.put("oversample", codes.input().oversample());
        recipe.put("head", config.head().describe());
        recipe.put("head_preprocessing", config.head().preprocessing().id());
        if (config.head().c() == null) {
            ArrayNode grid = recipe.putArray("c_grid");
            for (double c : config.head().cGrid()) {
                grid.add(c);
            }
            recipe.put("folds", config.head().folds());
        }
        recipe.put("engine", CodeNet.engine());
        recipe.put("device", device);
        report.set("recipe", recipe);
        report.put("train_features", r.trainFeatures().toString());
        report.put("val_features", r.valFeatures().toString());
        report = JsonTree.edit(HeadReport.withPredictions(JsonTree.of(report), r.head().spec().type(), r.valFiles(),
                r.valLabels(), r.valScores()));
        ObjectNode t = report.putObject("timings_seconds");
        Timings tm = r.timings();
        t.put("load", tm.load()).put("train_codes", tm.trainCodes()).put("val_codes", tm.valCodes())
                .put("fit", tm.fit()).put("export", tm.export()).put("export_check", tm.exportCheck())
                .put("total", tm.total());
        if (r.export() != null) {
            ObjectNode e = report.putObject("export");
            e.put("deploy", r.export().deploy().toString());
            e.put("caffemodel", r.export().caffemodel().toString());
            e.put("labels", r.export().labels().toString());
            e.put("recipe", r.export().recipe().toString());
            if (r.exportCheck() != null) {
                ExportCheck c = r.exportCheck();
                e.putObject("check").put("images", c.images()).put("agreeing", c.agreeing())
                        .put("max_probability_diff", c.maxProbabilityDiff()).put("passed", c.passed());
            }
        }
        return JsonTree.of(report);
    }

    /** The cross-validation table in a few lines, for a terminal. */
    public static String crossValidationSummary(CrossValidation.Result cv) {
        StringBuilder sb = new StringBuilder();
        for (CrossValidation.Candidate c : cv.candidates()) {
            sb.append(String.format(java.util.Locale.ROOT, "  C %-9.3g %.4f +- %.4f%s%n", c.c(), c.meanAccuracy(),
                    c.stdAccuracy(), c.c() == cv.bestC() ? "  <- chosen" : ""));
        }
        return sb.toString();
    }
}

package org.cortado.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.cortado.data.Skipped;
import org.cortado.features.FeatureFiles;
import org.cortado.json.JsonTree;
import org.cortado.features.FeatureSet;
import org.cortado.heads.HeadReport;
import org.cortado.heads.HeadSpec;
import org.cortado.heads.HeadType;
import org.cortado.heads.TrainedHead;

/** Reports for the renderer's tests, made by the engine's own report code from small random codes and images. */
final class SampleReports {
    /** A class folder name that would run if it became markup. */
    static final String HOSTILE_CLASS = "<script>alert(1)</script>";
    /** A file name that would run if it escaped its attribute. */
    static final String HOSTILE_FILE = "\"><img src=x onerror=alert(2)>.png";
    static final List<String> CLASSES = List.of("ants", HOSTILE_CLASS, "a&b \"c\"");

    private SampleReports() {
    }

    /**
     * A train-head report of overlapping blobs (so that some validation images are misclassified) whose files exist
     * as small PNG images, except one that is missing; the feature files are written beside.
     */
    static ObjectNode head(Path dir) throws IOException {
        FeatureSet train = blobs(dir, "train", 12, 1);
        FeatureSet val = blobs(dir, "val", 8, 2);
        FeatureFiles.write(dir.resolve("train.npy"), train);
        FeatureFiles.write(dir.resolve("val.npy"), val);
        HeadSpec spec = HeadSpec.crossValidated(HeadType.SOFTMAX).withCrossValidation(new double[] {0.01, 1, 100}, 3,
                0);
        TrainedHead head = TrainedHead.fit(spec, train);
        ObjectNode r = JsonTree.edit(HeadReport.withPredictions(HeadReport.toJson(head, CLASSES, head.evaluate(train),
                head.evaluate(val), List.of(new Skipped(Path.of("train/" + HOSTILE_CLASS + "/x.gif"),
                "no reader <b>for</b> it"))), head, val));
        r.put("train_features", dir.resolve("train.npy").toString());
        r.put("val_features", dir.resolve("val.npy").toString());
        r.putObject("provenance").put("command_line", "cortado train-head --train 'a <b>'");
        return r;
    }

    private static FeatureSet blobs(Path dir, String set, int perClass, long seed) throws IOException {
        SplittableRandom rng = new SplittableRandom(seed);
        int n = perClass * CLASSES.size();
        float[][] rows = new float[n][6];
        int[] labels = new int[n];
        List<String> files = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            labels[i] = i / perClass;
            for (int j = 0; j < 6; j++) {
                rows[i][j] = (float) (rng.nextGaussian() + (j == labels[i] ? 1.2 : 0));
            }
            Path folder = dir.resolve(set).resolve(CLASSES.get(labels[i]));
            Files.createDirectories(folder);
            Path file = folder.resolve(i == 1 ? HOSTILE_FILE : "img" + i + ".png");
            if (i != 2) {
                BufferedImage img = new BufferedImage(40, 30, BufferedImage.TYPE_INT_RGB);
                img.setRGB(i % 40, 3, 0xffffff);
                ImageIO.write(img, "png", file.toFile());
            }
            files.add(file.toString());
        }
        return FeatureSet.of(rows, 6, labels, files, CLASSES, List.of(), null);
    }

    /**
     * A fine-tuning report as the engine writes it (keys of FineTuneResult in snake_case) of a run resumed at
     * iteration 5 of 10, two iterations per epoch.
     */
    static ObjectNode finetune() {
        ObjectMapper m = new ObjectMapper();
        ObjectNode r = m.createObjectNode();
        r.put("val_accuracy", 0.75).put("train_accuracy", 0.8).put("best_val_accuracy", 0.75).put("best_epoch", 5);
        r.put("n_train", 20).put("n_val", 4);
        r.putArray("skipped");
        ArrayNode classes = r.putArray("classes");
        classes.add("ants").add(HOSTILE_CLASS);
        r.put("replaced", "conv_final").put("new_layer", "conv_final_ft").put("freeze_through", "fire/concat");
        r.putNull("cached_through");
        r.put("frozen_params", 4).put("learned_params", 2).put("iterations", 10).put("images_per_second", 55.5)
                .put("wall_seconds", 3.2);
        ArrayNode history = r.putArray("history");
        for (int e = 0; e <= 5; e++) {
            ObjectNode h = history.addObject().put("epoch", e).put("iteration", 2 * e).put("val_loss", 1.0 / (e + 1))
                    .put("val_accuracy", 0.5 + 0.05 * e).put("seconds", e);
            if (e == 0) {
                h.putNull("train_loss").putNull("train_accuracy").putNull("learning_rate");
            } else {
                h.put("train_loss", 1.2 / e).put("train_accuracy", 0.6 + 0.04 * e).put("learning_rate", 0.01);
            }
        }
        ArrayNode preds = r.putArray("val_predictions");
        for (int i = 0; i < 4; i++) {
            preds.addObject().put("file", "/nowhere/val/" + i + ".jpg").put("label", i % 2).put("predicted", i == 3 ? 0
                    : i % 2).put("probability", 0.9).put("true_probability", i == 3 ? 0.1 : 0.9);
        }
        r.putObject("settings").put("model", "tiny.prototxt").put("weights", "tiny.caffemodel").put("batch_size", 10)
                .put("epochs", 5).put("solver", "SGD base_lr 0.01").put("train_transform", "resize 8x8")
                .put("val_transform", "resize 8x8");
        ArrayNode log = r.putArray("iteration_log");
        ObjectNode first = log.addObject().put("first_iteration", 1).put("images_per_second", 50.0);
        ObjectNode second = log.addObject().put("first_iteration", 5).put("images_per_second", 60.0);
        ArrayNode[] loss = {first.putArray("loss"), second.putArray("loss")};
        ArrayNode[] rate = {first.putArray("learning_rate"), second.putArray("learning_rate")};
        for (int i = 1; i <= 10; i++) {
            loss[i < 5 ? 0 : 1].add(2.0 / i);
            rate[i < 5 ? 0 : 1].add(0.01 * (1 - (i - 1) / 10.0));
        }
        ArrayNode layers = r.putArray("layers");
        layers.addObject().put("name", "conv1").put("type", "Convolution").put("frozen", true).putArray("lr_mult")
                .add(0).add(0);
        ((ObjectNode) layers.get(0)).putArray("decay_mult").add(0).add(0);
        layers.addObject().put("name", "conv_final_ft").put("type", "Convolution").put("frozen", false)
                .putArray("lr_mult").add(10).add(20);
        ((ObjectNode) layers.get(1)).putArray("decay_mult").add(1).add(0);
        return r;
    }

    /** A layer name that would run if it became markup. */
    static final String HOSTILE_LAYER = "<b onmouseover=alert(3)>conv</b>&1";

    /**
     * A probe report as {@code ProbeReport} writes it: two single layers (the hostile one the shallower and the best by
     * cross-validation, conv2 the best by validation) and the two joined, with a skipped image and one decoded with a
     * warning.
     */
    static ObjectNode probe() {
        ObjectMapper m = new ObjectMapper();
        ObjectNode r = m.createObjectNode();
        ArrayNode rows = r.putArray("layers");
        row(rows, HOSTILE_LAYER, List.of(HOSTILE_LAYER), 2, 16, 0.1, 0.9, 1.0, 0.625);
        row(rows, "conv2", List.of("conv2"), 5, 8, 1, 0.85, 0.95, 0.875);
        row(rows, HOSTILE_LAYER + "+conv2", List.of(HOSTILE_LAYER, "conv2"), 5, 24, 0.01, 0.8, 1.0, 0.75);
        r.put("best_layer", "conv2").put("best_layer_cv", HOSTILE_LAYER).put("n_train", 20).put("n_val", 8);
        r.putArray("classes").add("ants").add(HOSTILE_CLASS);
        r.putArray("skipped").addObject().put("file", "train/" + HOSTILE_CLASS + "/huge.png").put("reason",
                "27000 x 27000 = 729 megapixels exceeds the limit of 100 megapixels");
        r.putArray("warnings").addObject().put("file", "val/ants/cut.jpg").put("reason", "libjpeg-turbo: <premature>"
                + " end of data segment");
        r.putObject("recipe").put("model", "tiny.prototxt").put("weights", "tiny.caffemodel").put("weights_sha1",
                "0123456789abcdef0123456789abcdef01234567").put("activation", "post").put("pooling", "avg")
                .put("preprocessing", "resize 14x14").put("head", "softmax").put("head_preprocessing", "standardize")
                .put("c_selection", "cross-validation").put("folds", 3).put("passes_per_image", 1);
        r.putObject("timings_seconds").put("load", 0.1).put("train_codes", 1).put("val_codes", 0.5).put("fits", 2)
                .put("total", 3.6).put("command", 3.9);
        r.putObject("provenance").put("command_line", "cortado probe --layers '" + HOSTILE_LAYER + "'");
        return r;
    }

    private static void row(ArrayNode rows, String name, List<String> layers, int depth, int dim, double c, double cv,
            double train, double val) {
        ObjectNode n = rows.addObject().put("name", name);
        layers.forEach(n.putArray("layers")::add);
        n.put("depth", depth).put("dim", dim).put("c", c).put("cv_accuracy", cv).put("train_accuracy", train)
                .put("val_accuracy", val);
    }

    /**
     * An advise report as {@code AdviseReport} writes it, small-similar, with the probe above nested, that ran its
     * recommendation (the train-head sample standing for the transfer's report) and its runner-up (the fine-tuning
     * sample).
     */
    static ObjectNode advise(Path dir) throws IOException {
        ObjectMapper m = new ObjectMapper();
        ObjectNode r = m.createObjectNode();
        r.put("case", "small-similar");
        ObjectNode ms = r.putObject("measurements");
        ms.put("n_train", 20).put("classes", 2).put("min_per_class", 10).put("mean_per_class", 10.0)
                .put("classifier", "fc").put("total_params", 1202).put("classifier_params", 18);
        ms.putObject("top_stage").put("layer", "conv2").put("params_above", 1026).put("images_per_param", 0.0195);
        ArrayNode points = ms.putArray("freeze_points");
        points.addObject().put("layer", HOSTILE_LAYER).put("params_above", 1100).put("images_per_param", 0.018);
        points.addObject().put("layer", "conv2").put("params_above", 1026).put("images_per_param", 0.0195);
        points.addObject().put("layer", "fc").put("params_above", 0).putNull("images_per_param");
        ms.putObject("source_predictions").put("layer", "prob").put("mean_top1_probability", 0.62)
                .put("normalized_entropy", 0.2);
        ms.putObject("depth_profile").put("top_code_layer", "conv2").put("top_code_cv_accuracy", 0.85)
                .put("best_below_layer", HOSTILE_LAYER).put("best_below_cv_accuracy", 0.9).put("top_gain", -0.05);
        r.putObject("thresholds").put("similar_mean_top1", 0.35).put("large_images_per_param", 0.05)
                .put("close_cv_accuracy", 0.02);
        ArrayNode checks = r.putArray("checks");
        checks.addObject().put("key", "size").put("name", "training images per parameter above conv2").put("unit",
                "images per parameter").put("value", 0.0195).put("threshold", 0.05).put("at_or_above", "large")
                .put("below", "small").put("reached", false).put("verdict", "small");
        checks.addObject().put("key", "similarity").put("name", "mean top-1 probability").put("unit", "probability")
                .put("value", 0.62).put("threshold", 0.35).put("at_or_above", "similar").put("below", "different")
                .put("reached", true).put("verdict", "similar");
        r.set("recommendation", recipe(m, "codes of conv2 <softmax>", 0.85));
        r.set("alternative", recipe(m, "codes of " + HOSTILE_LAYER, 0.86));
        r.put("reasons", "small: <i>few</i> images; similar.");
        r.put("val_accuracy", 0.875).put("train_accuracy", 0.95).put("n_train", 20).put("n_val", 8);
        r.putArray("skipped");
        ArrayNode ran = r.putArray("ran");
        ObjectNode first = recipe(m, "codes of conv2 <softmax>", 0.85).put("val_accuracy", 0.875)
                .put("train_accuracy", 0.95).put("n_train", 20).put("n_val", 8).put("seconds", 0.4);
        first.set("report", head(dir));
        ObjectNode second = recipe(m, "fine-tuning above conv2", Double.NaN).put("val_accuracy", 0.75)
                .put("train_accuracy", 0.8).put("n_train", 20).put("n_val", 4).put("seconds", 3.2);
        second.set("report", finetune());
        ran.add(first).add(second);
        r.set("probe", probe());
        r.put("wall_seconds", 12.5).put("device", "cpu");
        r.putObject("provenance").put("command_line", "cortado advise --run").put("model", "tiny.prototxt");
        return r;
    }

    private static ObjectNode recipe(ObjectMapper m, String description, double cv) {
        ObjectNode o = m.createObjectNode().put("strategy", "codes").put("layer", "conv2").put("description",
                description).put("command", "./cortado transfer --layer conv2 --train '<x>'");
        return Double.isNaN(cv) ? o.putNull("cv_accuracy") : o.put("cv_accuracy", cv);
    }
}

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
        ObjectNode r = HeadReport.toJson(head, CLASSES, head.evaluate(train), head.evaluate(val),
                List.of(new Skipped(Path.of("train/" + HOSTILE_CLASS + "/x.gif"), "no reader <b>for</b> it")));
        r.set("val_predictions", HeadReport.predictions(head, val));
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
}

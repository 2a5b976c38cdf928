package org.cortado.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.cortado.backend.Backend;
import org.cortado.caffe.MeanFile;
import org.cortado.caffe.Prototxt;
import org.cortado.layers.Phase;
import org.cortado.data.CaffeDataLayers;
import org.cortado.data.DataSource;
import org.cortado.finetune.EpochRecord;
import org.cortado.finetune.FineTuneConfig;
import org.cortado.finetune.FineTuneListener;
import org.cortado.finetune.FineTuneRecipe;
import org.cortado.finetune.FineTuneResult;
import org.cortado.finetune.FineTuner;
import org.cortado.image.ResizeMode;
import org.cortado.image.TransformSpec;
import org.cortado.solver.SolverSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cortado finetune}: replaces a pretrained net's classifier by a new N-way layer and trains it, and the layers
 * below that are not frozen, on a data set (image folders, a Caffe list file or an LMDB, or the data layers of a
 * train_val prototxt); prints progress and per-epoch validation accuracy, writes a JSON report and exports the
 * fine-tuned net. Defaults are the recipe of docs/finetune.md.
 */
@Command(name = "finetune", mixinStandardHelpOptions = true,
        description = "Fine-tune a pretrained Caffe net on image folders (one subfolder per class), a Caffe list file"
                + " or LMDB, or the data layers of a train_val.prototxt (--train-val without --train).")
final class FinetuneCommand implements Callable<Integer> {
    @Mixin
    ModelOptions model;

    @Mixin
    DeviceOption device;

    @Option(names = "--train", paramLabel = "SOURCE", converter = DataSourceConverter.class,
            description = "Training images: " + DataSourceConverter.FORMS + ". Without it, --train-val's TRAIN data"
                    + " layer.")
    DataSource train;

    @Option(names = "--val", paramLabel = "SOURCE", converter = DataSourceConverter.class,
            description = "Validation images (same classes). Default: hold out --val-fraction of --train, or"
                    + " --train-val's TEST data layer.")
    DataSource val;

    @Option(names = "--val-fraction", defaultValue = "0.2", paramLabel = "F",
            description = "Held-out fraction when --val is not given (stratified, seeded). Default: ${DEFAULT-VALUE}.")
    double valFraction;

    @Option(names = "--replace", required = true, paramLabel = "LAYER",
            description = "The classifier to replace by a new N-way layer (e.g. conv_final, fc8).")
    String replace;

    @Option(names = "--new-name", paramLabel = "NAME", description = "Name of the new layer. Default: LAYER_ft.")
    String newName;

    @Option(names = "--freeze-through", paramLabel = "LAYER",
            description = "Freeze every layer up to and including LAYER (lr_mult = decay_mult = 0).")
    String freezeThrough;

    @Option(names = "--epochs", paramLabel = "N", description = "Passes over the training set. Default: recipe ("
            + FineTuneRecipe.EPOCHS + ").")
    Integer epochs;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "S",
            description = "Seed of initialisation, order, augmentation and dropout. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--batch", paramLabel = "N", description = "Images per pass. Default: recipe ("
            + FineTuneRecipe.BATCH_SIZE + ").")
    Integer batch;

    @Option(names = "--solver", paramLabel = "FILE",
            description = "Caffe solver.prototxt (type, base_lr, lr_policy, momentum, weight_decay, iter_size, "
                    + "clip_gradients); max_iter follows from --epochs. Default: the recipe's SGD.")
    Path solver;

    @Option(names = "--base-lr", paramLabel = "LR", description = "Learning rate of the pretrained layers (overrides "
            + "the solver's base_lr).")
    Float baseLr;

    @Option(names = "--head-lr-mult", paramLabel = "M", description = "lr_mult of the new layer's weights (bias: 2M). "
            + "Default: recipe (" + FineTuneRecipe.HEAD_LR_MULT + ").")
    Float headLrMult;

    @Option(names = "--train-val", paramLabel = "FILE",
            description = "A train_val.prototxt whose per-parameter lr_mult/decay_mult to train with; without --train,"
                    + " its TRAIN and TEST data layers (Data: LMDB, ImageData: list file, HDF5Data: HDF5 files of"
                    + " input rows and class labels, or target vectors when its loss layer is SigmoidCrossEntropyLoss"
                    + " or EuclideanLoss) give the data, their transform_param and batch_size (--resize and"
                    + " --mean-file may replace theirs).")
    Path trainVal;

    @Option(names = "--no-linear-probe", description = "Start the new layer from its filler instead of a softmax head "
            + "fitted on the frozen codes.")
    boolean noLinearProbe;

    @Option(names = "--resize", paramLabel = "HxW", description = "Resize images to HxW (instead of the default "
            + "shorter-side resize).")
    String resize;

    @Option(names = "--resize-shorter", paramLabel = "S",
            description = "Resize so that the shorter side is S, keeping the aspect ratio. Default: the net's input "
                    + "height.")
    Integer resizeShorter;

    @Option(names = "--crop", paramLabel = "N|HxW",
            description = "Crop after resizing. Default: the net's input size, centred.")
    String crop;

    @Option(names = "--random-crop", description = "Crop at random positions in training (Caffe's TRAIN phase); "
            + "validation stays centred.")
    boolean randomCrop;

    @Option(names = "--no-mirror", description = "Do not mirror training images at random.")
    boolean noMirror;

    @Option(names = "--mean-values", split = ",", paramLabel = "B,G,R",
            description = "Means to subtract, BGR. Default: 104,117,123 (ImageNet, the BVLC models and SqueezeNet).")
    List<Float> meanValues;

    @Option(names = "--mean-file", paramLabel = "FILE", description = "Mean image to subtract (.binaryproto).")
    Path meanFile;

    @Option(names = "--scale", defaultValue = "1", paramLabel = "F", description = "Multiply after mean subtraction.")
    float scale;

    @Option(names = "--snapshot-dir", paramLabel = "DIR",
            description = "Write snapshots (weights, solver state, history) here: every --snapshot-every iterations, "
                    + "at the best validation accuracy and at the end. Needed for --resume.")
    Path snapshotDir;

    @Option(names = "--snapshot-every", defaultValue = "0", paramLabel = "N",
            description = "Snapshot every N iterations (0: only best and last). Default: ${DEFAULT-VALUE}.")
    int snapshotEvery;

    @Option(names = "--resume", description = "Continue from the latest snapshot in --snapshot-dir (its files are "
            + "checked; it needs the same settings, device and compute threads, -Dcortado.threads=N).")
    boolean resume;

    @Option(names = "--report", paramLabel = "FILE", description = "JSON report.")
    Path report;

    @Option(names = "--export", paramLabel = "DIR",
            description = "Write deploy.prototxt and finetuned.caffemodel of the fine-tuned net here.")
    Path export;

    @Option(names = "--threads", defaultValue = "2", paramLabel = "N", description = "Image decoding threads.")
    int threads;

    @Option(names = "--no-cache", description = "Recompute a frozen prefix every epoch instead of caching its outputs.")
    boolean noCache;

    @Mixin
    PixelLimitOption pixelLimit;

    @Mixin
    ReportOutput output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        return pixelLimit.run(this::run);
    }

    private Integer run() {
        PrintWriter out = spec.commandLine().getOut();
        if (model.weights == null) {
            throw new IllegalArgumentException("--weights is required: fine-tuning starts from pretrained weights");
        }
        LayerData layers = layerData();
        FineTuneConfig.Builder b = FineTuneConfig.builder()
                .model(model.model, model.weights)
                .data(layers != null ? layers.train().source() : train, layers != null ? layers.val().source() : val)
                .valFraction(valFraction)
                .replace(replace)
                .newLayerName(newName)
                .freezeThrough(freezeThrough)
                .seed(seed)
                .trainVal(trainVal)
                .linearProbe(!noLinearProbe)
                .snapshots(snapshotDir, snapshotEvery)
                .resume(resume)
                .report(report)
                .export(export)
                .decodeThreads(threads)
                .cachePrefix(!noCache);
        if (epochs != null) {
            b.epochs(epochs);
        }
        if (batch != null) {
            b.batchSize(batch);
        } else if (layers != null) {
            b.batchSize(layers.train().batchSize());
        }
        if (headLrMult != null) {
            b.headLrMult(headLrMult);
        }
        SolverSettings s = solver != null ? SolverSettings.read(solver) : FineTuneRecipe.solver();
        if (baseLr != null) {
            s = s.withBaseLr(baseLr);
        }
        b.solver(s);
        if (layers != null) {
            b.transforms(layers.train().transform(), layers.val().transform());
            out.println("data: " + layers.describe());
        } else {
            TransformSpec trainSpec = transform();
            b.transforms(trainSpec, trainSpec.deterministic());
            if (!Hdf5Sources.of(train).isEmpty()) {
                out.println("data: " + train.spec() + (val == null ? "" : ", val " + val.spec())
                        + " (rows as stored, no transform)");
            }
        }
        try (Backend backend = device.open()) {
            FineTuneResult r = FineTuner.run(b.build(), backend, new Printer(out));
            if (r.valTargets() != null) {
                out.printf(Locale.ROOT, "final %s (best after epoch %d), %d train / %d val rows, %.1f s%n",
                        r.valTargets().summary(), r.bestEpoch(), r.nTrain(), r.nVal(), r.wallSeconds());
            } else {
                out.printf(Locale.ROOT, "final val accuracy %.4f (best %.4f after epoch %d), %d train / %d val images, "
                                + "%d skipped, %.1f s%n", r.valAccuracy(), r.bestValAccuracy(), r.bestEpoch(),
                        r.nTrain(), r.nVal(), r.skipped().size(), r.wallSeconds());
            }
            for (var skipped : r.skipped()) {
                out.println("skipped " + skipped.get("file") + ": " + skipped.get("reason"));
            }
            printWarnings(out, r.warnings());
            output.completeSavedReport(report, r, model.model, model.weights, out, spec.commandLine().getErr());
            if (report != null) {
                out.println("report " + report);
            }
        }
        return 0;
    }

    /** The TRAIN and TEST data layers of --train-val. */
    private record LayerData(CaffeDataLayers.DataLayer train, CaffeDataLayers.DataLayer val) {
        String describe() {
            return "TRAIN layer '" + train.layer() + "' " + train.source().spec() + " (" + transform(train)
                    + ", batch " + train.batchSize() + "), TEST layer '" + val.layer() + "' " + val.source().spec()
                    + " (" + transform(val) + ")";
        }

        private static String transform(CaffeDataLayers.DataLayer d) {
            return d.source() instanceof DataSource.Hdf5 ? "rows as stored, no transform" : d.transform().describe();
        }
    }

    /**
     * The data layers of --train-val when they give the data (no --train), else null; the transform options that
     * the layers' transform_param sets are refused beside them.
     */
    private LayerData layerData() {
        if (train != null) {
            refuseTransformsForRows();
            return null;
        }
        if (trainVal == null) {
            throw new IllegalArgumentException("give --train (image folders, a list file or an LMDB), or --train-val"
                    + " with data layers");
        }
        if (val != null) {
            throw new IllegalArgumentException("--val goes with --train; --train-val's TEST data layer is the"
                    + " validation set");
        }
        if (crop != null || randomCrop || noMirror || meanValues != null || scale != 1f) {
            throw new IllegalArgumentException("--train-val's transform_param sets crop, mirror, mean and scale; give"
                    + " --crop, --random-crop, --no-mirror, --mean-values and --scale only with --train (--resize,"
                    + " --resize-shorter and --mean-file may go with --train-val)");
        }
        if (resize != null && resizeShorter != null) {
            throw new IllegalArgumentException("give --resize or --resize-shorter, not both");
        }
        ResizeMode override = resize != null ? fixed(PreprocessOptions.size("--resize", resize))
                : resizeShorter != null ? new ResizeMode.ShorterSide(resizeShorter) : null;
        return new LayerData(CaffeDataLayers.read(trainVal, Phase.TRAIN, override, meanFile),
                CaffeDataLayers.read(trainVal, Phase.TEST, override, meanFile));
    }

    /**
     * HDF5 rows given as --train/--val go to the net as stored (as under an HDF5Data layer): the transform options
     * would not apply to them, so they are refused rather than ignored.
     */
    private void refuseTransformsForRows() {
        Hdf5Sources.refuseMixing(train, val);
        if (!Hdf5Sources.of(train, val).isEmpty() && (resize != null || resizeShorter != null || crop != null
                || randomCrop || meanValues != null || meanFile != null || scale != 1f)) {
            throw new IllegalArgumentException(Hdf5Sources.of(train, val).get(0).spec() + ": HDF5 rows are the net's "
                    + "input as stored; --resize, --resize-shorter, --crop, --random-crop, --mean-values, --mean-file "
                    + "and --scale do not apply to them (and they are not mirrored)");
        }
    }

    private static ResizeMode fixed(int[] size) {
        return new ResizeMode.Fixed(size[0], size[1]);
    }

    /** The images used despite decoder warnings: their count, and each one, as the report lists them. */
    private void printWarnings(PrintWriter out, List<Map<String, String>> warnings) {
        if (warnings.isEmpty()) {
            return;
        }
        out.printf("decoded with warnings: %d image(s), used as decoded%s%n", warnings.size(),
                report == null ? "" : " (listed under \"warnings\" in " + report + ")");
        for (var w : warnings) {
            out.println("  " + w.get("file") + ": " + w.get("reason"));
        }
    }

    private TransformSpec transform() {
        int[] input = inputSize();
        if (resize != null && resizeShorter != null) {
            throw new IllegalArgumentException("give --resize or --resize-shorter, not both");
        }
        ResizeMode mode;
        if (resize != null) {
            int[] s = PreprocessOptions.size("--resize", resize);
            mode = new ResizeMode.Fixed(s[0], s[1]);
        } else {
            mode = new ResizeMode.ShorterSide(resizeShorter != null ? resizeShorter : input[0]);
        }
        int[] cropSize = crop == null ? input : PreprocessOptions.size("--crop", crop);
        if (meanValues != null && meanFile != null) {
            throw new IllegalArgumentException("give --mean-values or --mean-file, not both");
        }
        float[] means;
        if (meanFile != null) {
            means = new float[0];
        } else if (meanValues != null) {
            means = new float[meanValues.size()];
            for (int i = 0; i < means.length; i++) {
                means[i] = meanValues.get(i);
            }
        } else {
            means = FineTuneRecipe.MEAN_BGR.clone();
        }
        return new TransformSpec(mode, cropSize[0], cropSize[1], randomCrop, !noMirror, means,
                meanFile == null ? null : MeanFile.read(meanFile), scale);
    }

    /** The (H, W) of the deploy net's image input, from legacy input fields or an Input layer; 227 if none says. */
    private int[] inputSize() {
        var net = Prototxt.readNet(model.model);
        if (net.getInputShapeCount() > 0 && net.getInputShape(0).getDimCount() == 4) {
            return new int[] {(int) net.getInputShape(0).getDim(2), (int) net.getInputShape(0).getDim(3)};
        }
        if (net.getInputDimCount() == 4) {
            return new int[] {net.getInputDim(2), net.getInputDim(3)};
        }
        for (var l : net.getLayerList()) {
            if (l.getType().equals("Input") && l.getInputParam().getShapeCount() > 0
                    && l.getInputParam().getShape(0).getDimCount() == 4) {
                return new int[] {(int) l.getInputParam().getShape(0).getDim(2),
                        (int) l.getInputParam().getShape(0).getDim(3)};
            }
        }
        return new int[] {FineTuneRecipe.INPUT_SIZE, FineTuneRecipe.INPUT_SIZE};
    }

    /** Progress lines on standard output. */
    private static final class Printer implements FineTuneListener {
        private final PrintWriter out;

        Printer(PrintWriter out) {
            this.out = out;
        }

        @Override
        public void message(String line) {
            out.println(line);
        }

        @Override
        public void iteration(int iteration, int total, int epoch, double loss, double lr, double imagesPerSecond,
                              double etaSeconds) {
            long eta = Math.round(etaSeconds);
            out.printf(Locale.ROOT, "iter %d/%d  epoch %d  loss %.4f  lr %.3g  %.1f img/s  ETA %d:%02d%n", iteration,
                    total, epoch, loss, lr, imagesPerSecond, eta / 60, eta % 60);
        }

        @Override
        public void epoch(EpochRecord r, int epochs) {
            if (r.valTargets() != null) {
                out.printf(Locale.ROOT, "epoch %d/%d: %s, val loss %.4f%s (%.0f s)%n", r.epoch(), epochs,
                        r.valTargets().summary(), r.valLoss(), r.trainLoss() == null ? " (before training)"
                                : String.format(Locale.ROOT, ", train loss %.4f", r.trainLoss()), r.seconds());
                return;
            }
            out.printf(Locale.ROOT, "epoch %d/%d: val accuracy %.4f, val loss %.4f%s (%.0f s)%n", r.epoch(), epochs,
                    r.valAccuracy(), r.valLoss(), r.trainLoss() == null ? " (before training)"
                            : String.format(Locale.ROOT, ", train loss %.4f, train accuracy %.4f", r.trainLoss(),
                            r.trainAccuracy()), r.seconds());
        }
    }
}

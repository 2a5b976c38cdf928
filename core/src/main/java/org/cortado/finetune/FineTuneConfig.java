package org.cortado.finetune;

import java.nio.file.Path;
import java.util.Objects;
import org.cortado.data.DataSource;
import org.cortado.net.FillerSpec;
import org.cortado.image.TransformSpec;
import org.cortado.solver.SolverSettings;

/**
 * Everything a fine-tuning run needs. Build one with {@link #builder}; the defaults are the documented recipe of
 * {@link FineTuneRecipe} (docs/finetune.md).
 *
 * @param model          deploy prototxt of the pretrained net
 * @param weights        its caffemodel
 * @param train          the training images: image folders (one subfolder per class), a list file or an LMDB
 * @param val            the validation images over the same classes, or null to hold out {@code valFraction} of
 *                       {@code train}
 * @param valFraction    the held-out fraction when {@code val} is null
 * @param replace        the classifier layer to replace by a new N-way one (N = number of classes)
 * @param newLayerName   the replacement's name (so that weights are not copied into it); null: replace + "_ft"
 * @param freezeThrough  freeze every layer up to and including this one; null: train all layers
 * @param epochs         passes over the training set
 * @param seed           seed of everything random: initialisation, order, augmentation, dropout
 * @param batchSize      images per forward/backward pass
 * @param solver         Caffe solver settings ({@code base_lr} is the rate of the pretrained layers)
 * @param trainVal       a train_val prototxt whose per-parameter {@code lr_mult}/{@code decay_mult} to use, or null
 * @param headLrMult     lr_mult of the new layer's weights (its bias gets twice this and no decay, as in Caffe's
 *                       fine-tuning examples)
 * @param linearProbe    start the new layer from a softmax head fitted on the frozen codes
 * @param trainTransform image transform for training (random mirror, maybe random crop)
 * @param evalTransform  image transform for validation
 * @param weightFiller   filler of the new layer's weights (when not linear probing)
 * @param biasFiller     filler of its bias
 * @param snapshotEvery  write a resumable snapshot every this many iterations (0: only at the best validation
 *                       accuracy and the end)
 * @param snapshotDir    where snapshots go; null: no snapshots
 * @param resume         continue from the latest snapshot in {@code snapshotDir}
 * @param report         JSON report path, or null
 * @param export         folder for deploy.prototxt + caffemodel of the fine-tuned net, or null
 * @param decodeThreads  image decoding threads
 * @param cachePrefix    reuse the outputs of a frozen, deterministic prefix across epochs when the augmentation
 *                       allows (same results, less work)
 */
public record FineTuneConfig(Path model, Path weights, DataSource train, DataSource val, double valFraction, String replace,
                             String newLayerName, String freezeThrough, int epochs, long seed, int batchSize,
                             SolverSettings solver, Path trainVal, float headLrMult, boolean linearProbe,
                             TransformSpec trainTransform, TransformSpec evalTransform,
                             FillerSpec weightFiller, FillerSpec biasFiller, int snapshotEvery,
                             Path snapshotDir, boolean resume, Path report, Path export, int decodeThreads,
                             boolean cachePrefix) {
    public FineTuneConfig {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(weights, "weights");
        Objects.requireNonNull(train, "train");
        Objects.requireNonNull(replace, "replace");
        if (epochs < 1 || batchSize < 1 || decodeThreads < 1 || snapshotEvery < 0) {
            throw new IllegalArgumentException("epochs, batch size and decode threads must be positive and "
                    + "snapshotEvery non-negative, got " + epochs + ", " + batchSize + ", " + decodeThreads + ", "
                    + snapshotEvery);
        }
        if (resume && snapshotDir == null) {
            throw new IllegalArgumentException("resume needs a snapshot folder");
        }
    }

    /** The replacement's name. */
    public String replacementName() {
        return newLayerName != null ? newLayerName : replace + "_ft";
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Collects a config; unset values take the recipe's defaults. */
    public static final class Builder {
        private Path model;
        private Path weights;
        private DataSource train;
        private DataSource val;
        private double valFraction = 0.2;
        private String replace;
        private String newLayerName;
        private String freezeThrough;
        private int epochs = FineTuneRecipe.EPOCHS;
        private long seed = 1;
        private int batchSize = FineTuneRecipe.BATCH_SIZE;
        private SolverSettings solver;
        private Path trainVal;
        private float headLrMult = FineTuneRecipe.HEAD_LR_MULT;
        private boolean linearProbe = true;
        private TransformSpec trainTransform;
        private TransformSpec evalTransform;
        private FillerSpec weightFiller = NetSurgery.DEFAULT_WEIGHT_FILLER;
        private FillerSpec biasFiller = NetSurgery.DEFAULT_BIAS_FILLER;
        private int snapshotEvery;
        private Path snapshotDir;
        private boolean resume;
        private Path report;
        private Path export;
        private int decodeThreads = 2;
        private boolean cachePrefix = true;

        public Builder model(Path deploy, Path caffemodel) {
            this.model = deploy;
            this.weights = caffemodel;
            return this;
        }

        /** Image folders: one subfolder per class; {@code valFolder} may be null (a held-out fraction then). */
        public Builder data(Path trainFolder, Path valFolder) {
            return data(new DataSource.Folders(trainFolder), valFolder == null ? null
                    : new DataSource.Folders(valFolder));
        }

        /** Any sources; {@code valSource} may be null (a held-out fraction of the training set then). */
        public Builder data(DataSource trainSource, DataSource valSource) {
            this.train = trainSource;
            this.val = valSource;
            return this;
        }

        public Builder valFraction(double f) {
            this.valFraction = f;
            return this;
        }

        public Builder replace(String layer) {
            this.replace = layer;
            return this;
        }

        public Builder newLayerName(String name) {
            this.newLayerName = name;
            return this;
        }

        public Builder freezeThrough(String layer) {
            this.freezeThrough = layer;
            return this;
        }

        public Builder epochs(int n) {
            this.epochs = n;
            return this;
        }

        public Builder seed(long s) {
            this.seed = s;
            return this;
        }

        public Builder batchSize(int n) {
            this.batchSize = n;
            return this;
        }

        public Builder solver(SolverSettings s) {
            this.solver = s;
            return this;
        }

        public Builder trainVal(Path p) {
            this.trainVal = p;
            return this;
        }

        public Builder headLrMult(float m) {
            this.headLrMult = m;
            return this;
        }

        public Builder linearProbe(boolean on) {
            this.linearProbe = on;
            return this;
        }

        public Builder transforms(TransformSpec trainSpec, TransformSpec evalSpec) {
            this.trainTransform = trainSpec;
            this.evalTransform = evalSpec;
            return this;
        }

        public Builder fillers(FillerSpec weight, FillerSpec bias) {
            this.weightFiller = weight;
            this.biasFiller = bias;
            return this;
        }

        public Builder snapshots(Path dir, int every) {
            this.snapshotDir = dir;
            this.snapshotEvery = every;
            return this;
        }

        public Builder resume(boolean r) {
            this.resume = r;
            return this;
        }

        public Builder report(Path p) {
            this.report = p;
            return this;
        }

        public Builder export(Path dir) {
            this.export = dir;
            return this;
        }

        public Builder decodeThreads(int n) {
            this.decodeThreads = n;
            return this;
        }

        public Builder cachePrefix(boolean on) {
            this.cachePrefix = on;
            return this;
        }

        public FineTuneConfig build() {
            TransformSpec t = trainTransform != null ? trainTransform : FineTuneRecipe.trainTransform();
            TransformSpec e = evalTransform != null ? evalTransform : FineTuneRecipe.evalTransform();
            SolverSettings s = solver != null ? solver : FineTuneRecipe.solver();
            return new FineTuneConfig(model, weights, train, val, valFraction, replace, newLayerName, freezeThrough,
                    epochs, seed, batchSize, s, trainVal, headLrMult, linearProbe, t, e, weightFiller, biasFiller,
                    snapshotEvery, snapshotDir, resume, report, export, decodeThreads, cachePrefix);
        }
    }
}

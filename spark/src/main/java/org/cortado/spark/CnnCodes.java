package org.cortado.spark;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.cortado.image.PixelLimit;
import org.cortado.transfer.CodeNet;

/**
 * A Spark ML stage that computes CNN codes: each row's image (the {@code content} of Spark's {@code binaryFile}
 * source, or a struct of its {@code image} source) through a pretrained Caffe net cut after {@link #layer()}, as
 * {@code cortado codes} computes them. It appends an MLlib vector column ({@link #outputCol()}, default
 * {@code codes}) and two string columns: {@link #reasonCol()} (default {@code codes_reason}): a row that cannot be
 * decoded gets a null code and the reason, never a failed job; {@link #warningCol()} (default {@code codes_warning}):
 * the decoder's warning for an image used despite damage it got past (a truncated JPEG), null for a clean one.
 *
 * <p>Each executor loads the net once and keeps it for all tasks ({@link ExecutorNets}); rows are batched within a
 * partition. The model and weights must be at paths every executor reads (shared storage). Preprocessing and the
 * code layer default to the known model's (the weights manifest), as on the command line; {@link #preprocessing()}
 * takes the CLI's preprocessing options as text.
 *
 * <pre>{@code
 * Dataset<Row> images = spark.read().format("binaryFile").load("hdfs:///photos");
 * CnnCodes codes = new CnnCodes().setModel("/models/deploy.prototxt").setWeights("/models/w.caffemodel")
 *         .setLayer("fire9/concat");
 * PipelineModel m = new Pipeline().setStages(new PipelineStage[] {codes, indexer, new LinearSVC()}).fit(images);
 * }</pre>
 */
public final class CnnCodes extends Transformer implements DefaultParamsWritable {
    private static final long serialVersionUID = 1L;

    private final String uid;
    private final Param<String> model;
    private final Param<String> weights;
    private final Param<String> layer;
    private final BooleanParam preActivation;
    private final Param<String> pooling;
    private final Param<String> preprocessing;
    private final Param<String> manifest;
    private final IntParam batchSize;
    private final IntParam decodeThreads;
    private final Param<String> device;
    private final LongParam maxPixels;
    private final Param<String> inputCol;
    private final Param<String> pathCol;
    private final Param<String> outputCol;
    private final Param<String> reasonCol;
    private final Param<String> warningCol;

    public CnnCodes() {
        this(Identifiable.randomUID("cnnCodes"));
    }

    public CnnCodes(String uid) {
        this.uid = uid;
        model = new Param<>(this, "model", "the deploy prototxt, at a path every executor reads");
        weights = new Param<>(this, "weights", "its caffemodel, at a path every executor reads");
        layer = new Param<>(this, "layer", "the layer whose output are the codes (several joined by +); empty: the"
                + " known model's code layer");
        preActivation = new BooleanParam(this, "preActivation", "the layer's own output, before its in-place ReLU");
        pooling = new Param<>(this, "pooling", "avg, max or none over H x W; empty: the known model's, else avg");
        preprocessing = new Param<>(this, "preprocessing", "the command line's preprocessing options, such as"
                + " '--resize 256x256 --crop 227 --mean-values 104,117,123'; empty: the known model's");
        manifest = new Param<>(this, "manifest", "the weights manifest file; empty: the installation's");
        batchSize = new IntParam(this, "batchSize", "images per forward pass", ParamValidators.gtEq(1));
        decodeThreads = new IntParam(this, "decodeThreads", "image decoding threads per task",
                ParamValidators.gtEq(1));
        device = new Param<>(this, "device", "cpu, gpu, gpu:N or auto (a GPU when the executor has one)");
        maxPixels = new LongParam(this, "maxPixels", "images larger than this many pixels get no code",
                ParamValidators.gtEq(1));
        inputCol = new Param<>(this, "inputCol", "the image column: binary file bytes or an image struct");
        pathCol = new Param<>(this, "pathCol", "with bytes: the column naming each file");
        outputCol = new Param<>(this, "outputCol", "the codes column (MLlib vectors)");
        reasonCol = new Param<>(this, "reasonCol", "why a row has no code (null when it has one)");
        warningCol = new Param<>(this, "warningCol", "the decoder's warning for an image used despite damage");
        setDefault(layer, "");
        setDefault(preActivation, false);
        setDefault(pooling, "");
        setDefault(preprocessing, "");
        setDefault(manifest, "");
        setDefault(batchSize, CodeNet.IMAGES_PER_BATCH);
        setDefault(decodeThreads, 1);
        setDefault(device, "cpu");
        setDefault(maxPixels, PixelLimit.DEFAULT);
        setDefault(inputCol, "content");
        setDefault(pathCol, "path");
        setDefault(outputCol, "codes");
        setDefault(reasonCol, "codes_reason");
        setDefault(warningCol, "codes_warning");
    }

    @Override
    public String uid() {
        return uid;
    }

    public Param<String> model() {
        return model;
    }

    public Param<String> weights() {
        return weights;
    }

    public Param<String> layer() {
        return layer;
    }

    public BooleanParam preActivation() {
        return preActivation;
    }

    public Param<String> pooling() {
        return pooling;
    }

    public Param<String> preprocessing() {
        return preprocessing;
    }

    public Param<String> manifest() {
        return manifest;
    }

    public IntParam batchSize() {
        return batchSize;
    }

    public IntParam decodeThreads() {
        return decodeThreads;
    }

    public Param<String> device() {
        return device;
    }

    public LongParam maxPixels() {
        return maxPixels;
    }

    public Param<String> inputCol() {
        return inputCol;
    }

    public Param<String> pathCol() {
        return pathCol;
    }

    public Param<String> outputCol() {
        return outputCol;
    }

    public Param<String> reasonCol() {
        return reasonCol;
    }

    public Param<String> warningCol() {
        return warningCol;
    }

    public CnnCodes setModel(String v) {
        set(model, v);
        return this;
    }

    public CnnCodes setWeights(String v) {
        set(weights, v);
        return this;
    }

    public CnnCodes setLayer(String v) {
        set(layer, v);
        return this;
    }

    public CnnCodes setPreActivation(boolean v) {
        set(preActivation, v);
        return this;
    }

    public CnnCodes setPooling(String v) {
        set(pooling, v);
        return this;
    }

    public CnnCodes setPreprocessing(String v) {
        set(preprocessing, v);
        return this;
    }

    public CnnCodes setManifest(String v) {
        set(manifest, v);
        return this;
    }

    public CnnCodes setBatchSize(int v) {
        set(batchSize, v);
        return this;
    }

    public CnnCodes setDecodeThreads(int v) {
        set(decodeThreads, v);
        return this;
    }

    public CnnCodes setDevice(String v) {
        set(device, v);
        return this;
    }

    public CnnCodes setMaxPixels(long v) {
        set(maxPixels, v);
        return this;
    }

    public CnnCodes setInputCol(String v) {
        set(inputCol, v);
        return this;
    }

    public CnnCodes setPathCol(String v) {
        set(pathCol, v);
        return this;
    }

    public CnnCodes setOutputCol(String v) {
        set(outputCol, v);
        return this;
    }

    public CnnCodes setReasonCol(String v) {
        set(reasonCol, v);
        return this;
    }

    public CnnCodes setWarningCol(String v) {
        set(warningCol, v);
        return this;
    }

    private <T> T value(Param<T> p) {
        return getOrDefault(p);
    }

    /** The settings the executors get: the CLI's options for model, code layer and preprocessing, and the rest. */
    public CodeSettings settings() {
        if (!isDefined(model) || !isDefined(weights)) {
            throw new IllegalArgumentException("CnnCodes needs model and weights (setModel, setWeights)");
        }
        List<String> options = new ArrayList<>();
        if (!value(layer).isBlank()) {
            options.addAll(List.of("--layer", value(layer)));
        }
        if ((Boolean) value(preActivation)) {
            options.add("--pre-activation");
        }
        if (!value(pooling).isBlank()) {
            options.addAll(List.of("--pool", value(pooling)));
        }
        if (!value(manifest).isBlank()) {
            options.addAll(List.of("--manifest", value(manifest)));
        }
        String pre = value(preprocessing).strip();
        if (!pre.isEmpty()) {
            options.addAll(Arrays.asList(pre.split("\\s+")));
        }
        return new CodeSettings(value(model), value(weights), options, value(device), (Integer) value(batchSize),
                (Integer) value(decodeThreads), (Long) value(maxPixels));
    }

    @Override
    public StructType transformSchema(StructType schema) {
        InputColumns.of(schema, value(inputCol), value(pathCol));
        for (String out : List.of(value(outputCol), value(reasonCol), value(warningCol))) {
            if (Arrays.asList(schema.fieldNames()).contains(out)) {
                throw new IllegalArgumentException("the output column '" + out + "' exists already");
            }
        }
        return schema.add(new StructField(value(outputCol), SQLDataTypes.VectorType(), true,
                org.apache.spark.sql.types.Metadata.empty()))
                .add(new StructField(value(reasonCol), DataTypes.StringType, true,
                        org.apache.spark.sql.types.Metadata.empty()))
                .add(new StructField(value(warningCol), DataTypes.StringType, true,
                        org.apache.spark.sql.types.Metadata.empty()));
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType out = transformSchema(dataset.schema());
        CodeSettings settings = settings();
        // Resolved here too, so that a bad option or a missing file fails on the driver with its message, before
        // any task runs.
        org.cortado.cli.ModelDefaults d = settings.resolve();
        CodeNet.check(java.nio.file.Path.of(settings.model()), d.codes(), d.input());
        InputColumns input = InputColumns.of(dataset.schema(), value(inputCol), value(pathCol));
        JavaRDD<Row> rows = dataset.toDF().javaRDD().mapPartitions(new PartitionCodes(settings, input));
        return dataset.sparkSession().createDataFrame(rows, out);
    }

    @Override
    public CnnCodes copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    /** For {@code PipelineModel.load} and {@link #load}. */
    public static MLReader<CnnCodes> read() {
        return new DefaultParamsReader<>();
    }

    public static CnnCodes load(String path) {
        return read().load(path);
    }
}

package org.cortado.spark;

import static org.apache.spark.sql.functions.col;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.feature.StringIndexerModel;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.cortado.backend.Backend;
import org.cortado.data.DecodeWarning;
import org.cortado.data.LabeledImage;
import org.cortado.data.Skipped;
import org.cortado.data.TrainValSplit;
import org.cortado.heads.CrossValidation;
import org.cortado.heads.Evaluation;
import org.cortado.heads.HeadSpec;
import org.cortado.heads.TrainedHead;
import org.cortado.transfer.CodeNet;
import org.cortado.transfer.HeadExport;
import org.cortado.transfer.Transfer;

/**
 * {@code transfer} on Spark: the codes of the training and validation images computed by the executors
 * ({@link CnnCodes}), the head fitted on the cluster ({@link MllibHeads}), evaluated there, and on the
 * driver the export (the fitted head folded into a Caffe model by core's {@link HeadExport}, checked by reading it
 * back) and the summary that {@link Transfer#report} turns into the same JSON report as {@code cortado transfer}.
 * The codes are saved as Parquet ({@code path}, {@code label}, {@code codes}) in the codes folder, and the fitted
 * {@link PipelineModel} (CnnCodes, the label indexer, the head) where asked.
 */
public final class SparkTransfer {
    /** The column of class indices. */
    public static final String LABEL_INDEX = "label_index";
    private static final String WARNING = "codes_warning";

    private SparkTransfer() {
    }

    /** The outcome: the report's summary and the fitted pipeline (images to predictions). */
    public record Outcome(Transfer.Summary summary, PipelineModel pipeline) {
    }

    /**
     * Runs the recipe.
     *
     * @param codes    the codes stage, with the model, layer and preprocessing of {@code config}
     * @param driver   the backend of the driver's copy of the net (export and its check)
     * @param pipeline where to save the fitted pipeline, or null
     */
    public static Outcome run(SparkSession spark, Transfer.Config config, TrainValSplit split, CnnCodes codes,
            Backend driver, Path pipeline) {
        HeadSpec spec = config.head();
        long t0 = System.nanoTime();
        CodeNet net = CodeNet.load(config.deploy(), config.weights(), config.codes(), config.input(), driver);
        List<String> classes = split.train().classes();
        long t1 = System.nanoTime();
        Dataset<Row> train = codesOf(spark, split, true, codes);
        long trainRows = train.count();
        long t2 = System.nanoTime();
        Dataset<Row> val = codesOf(spark, split, false, codes);
        long valRows = val.count();
        long t3 = System.nanoTime();
        Path trainFeatures = config.codesDir().resolve("train.parquet");
        Path valFeatures = config.codesDir().resolve("val.parquet");
        saveCodes(train, trainFeatures);
        saveCodes(val, valFeatures);
        List<Skipped> skipped = new ArrayList<>(skipped(train));
        skipped.addAll(skipped(val));
        List<DecodeWarning> warnings = new ArrayList<>(warnings(train));
        warnings.addAll(warnings(val));
        // The head's optimiser runs a Spark job per iteration: one task per core, not one per file split.
        Dataset<Row> trainUsable = train.filter(col("codes").isNotNull())
                .coalesce(spark.sparkContext().defaultParallelism());
        Dataset<Row> valUsable = val.filter(col("codes").isNotNull());
        long n = trainUsable.count();
        if (n == 0) {
            throw new IllegalArgumentException("none of the " + trainRows + " training images gave a code (first: "
                    + (skipped.isEmpty() ? "-" : skipped.get(0)) + ")");
        }
        StringIndexerModel indexer = new StringIndexerModel(classes.toArray(String[]::new)).setInputCol(ImageRows.LABEL)
                .setOutputCol(LABEL_INDEX);
        Fitted fitted = fit(spec, trainUsable, indexer, n, classes.size());
        TrainedHead head = fitted.head();
        Evaluation trainEval = evaluate(fitted.model().transform(trainUsable), classes.size(), null);
        List<Row> valPredicted = fitted.model().transform(valUsable).orderBy(ImageRows.INDEX)
                .select(ImageRows.PATH, LABEL_INDEX, "prediction", "rawPrediction").collectAsList();
        Evaluation valEval = valPredicted.isEmpty() ? null : evaluate(null, classes.size(), valPredicted);
        long t4 = System.nanoTime();
        HeadExport.Exported exported = null;
        Transfer.ExportCheck check = null;
        long t5 = t4;
        if (config.export() != null) {
            exported = HeadExport.write(net, head, classes, config.export());
            t5 = System.nanoTime();
            if (config.exportCheckImages() > 0 && !valPredicted.isEmpty()) {
                check = checkExport(net, head, valUsable, config, driver);
            }
        }
        long t6 = System.nanoTime();
        PipelineModel whole = wholePipeline(codes, indexer, fitted.model(), spark);
        if (pipeline != null) {
            try {
                whole.write().overwrite().save(pipeline.toString());
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(pipeline + ": cannot save the pipeline: " + e.getMessage(), e);
            }
        }
        train.unpersist();
        val.unpersist();
        Transfer.Timings timings = new Transfer.Timings(seconds(t0, t1), seconds(t1, t2), seconds(t2, t3),
                seconds(t3, t4), seconds(t4, t5), seconds(t5, t6), seconds(t0, t6));
        List<String> files = new ArrayList<>();
        int[] labels = new int[valPredicted.size()];
        double[][] scores = new double[valPredicted.size()][];
        for (int i = 0; i < labels.length; i++) {
            Row r = valPredicted.get(i);
            files.add(ImageRows.localPath(r.getString(0)).toString());
            labels[i] = (int) r.getDouble(1);
            scores[i] = ((Vector) r.get(3)).toArray();
        }
        Transfer.Summary summary = new Transfer.Summary(net, head, classes, trainEval, valEval, skipped,
                warnings, files, labels, scores, trainFeatures,
                valFeatures, timings, exported, check);
        if (trainRows + valRows != split.train().size() + split.val().size()) {
            throw new IllegalStateException("Spark gave " + (trainRows + valRows) + " rows for "
                    + (split.train().size() + split.val().size()) + " listed images");
        }
        return new Outcome(summary, whole);
    }

    /** The codes of the training or validation images, cached: index, path, label, codes, codes_reason, codes_warning. */
    private static Dataset<Row> codesOf(SparkSession spark, TrainValSplit split, boolean train, CnnCodes codes) {
        Dataset<Row> rows = ImageRows.of(spark, train ? split.train() : split.val());
        return codes.transform(rows).drop(ImageRows.CONTENT).cache();
    }

    private static List<DecodeWarning> warnings(Dataset<Row> codes) {
        List<DecodeWarning> out = new ArrayList<>();
        for (Row r : codes.filter(col(WARNING).isNotNull()).orderBy(ImageRows.INDEX)
                .select(ImageRows.PATH, WARNING).collectAsList()) {
            out.add(new DecodeWarning(ImageRows.localPath(r.getString(0)), r.getString(1)));
        }
        return out;
    }

    private static List<Skipped> skipped(Dataset<Row> codes) {
        List<Skipped> out = new ArrayList<>();
        for (Row r : codes.filter(col("codes").isNull()).orderBy(ImageRows.INDEX)
                .select(ImageRows.PATH, "codes_reason").collectAsList()) {
            out.add(new Skipped(ImageRows.localPath(r.getString(0)), r.getString(1)));
        }
        return out;
    }

    /** The fitted head: indexer and classifier (the normaliser before it where the spec asks for one). */
    private record Fitted(PipelineModel model, TrainedHead head) {
    }

    private static Fitted fit(HeadSpec spec, Dataset<Row> train, StringIndexerModel indexer, long n, int classes) {
        double c;
        CrossValidation.Result cv = null;
        if (spec.c() != null) {
            c = spec.c();
        } else {
            cv = MllibCrossValidation.run(spec, train, indexer, n, classes);
            c = cv.bestC();
        }
        List<PipelineStage> stages = new ArrayList<>();
        stages.add(indexer);
        stages.addAll(MllibHeads.stages(spec, c, n, classes, "codes", LABEL_INDEX));
        PipelineModel model = new Pipeline().setStages(stages.toArray(PipelineStage[]::new)).fit(train);
        Transformer classifier = model.stages()[model.stages().length - 1];
        return new Fitted(model, MllibHeads.toHead(classifier, spec, c, cv, classes));
    }

    /** Accuracy and confusion of predictions ({@code predicted}, or the rows already collected). */
    private static Evaluation evaluate(Dataset<Row> predicted, int classes, List<Row> collected) {
        List<Row> rows = collected != null ? collected
                : predicted.select(ImageRows.PATH, LABEL_INDEX, "prediction").collectAsList();
        int[] truth = new int[rows.size()];
        int[] guess = new int[rows.size()];
        for (int i = 0; i < truth.length; i++) {
            truth[i] = (int) rows.get(i).getDouble(1);
            guess[i] = (int) rows.get(i).getDouble(2);
        }
        return Evaluation.of(truth, guess, classes);
    }

    /** The export read back and run by core's net on the first validation images, against the head. */
    private static Transfer.ExportCheck checkExport(CodeNet net, TrainedHead head, Dataset<Row> valUsable,
            Transfer.Config config, Backend driver) {
        List<Row> first = valUsable.orderBy(ImageRows.INDEX).limit(config.exportCheckImages())
                .select(ImageRows.PATH, "codes").collectAsList();
        List<LabeledImage> images = new ArrayList<>();
        float[][] rows = new float[first.size()][];
        for (int i = 0; i < rows.length; i++) {
            images.add(new LabeledImage(ImageRows.localPath(first.get(i).getString(0)), 0));
            rows[i] = MllibHeads.floats((Vector) first.get(i).get(1));
        }
        return Transfer.checkExport(net, head, images, rows, config.export(), config.extraction(), driver);
    }

    /**
     * CnnCodes, the indexer and the fitted head as one model from images to predictions. Pipeline.fit on stages that
     * are all transformers only checks the schema of {@code rows}; nothing is computed.
     */
    private static PipelineModel wholePipeline(CnnCodes codes, StringIndexerModel indexer, PipelineModel head,
            SparkSession spark) {
        List<PipelineStage> stages = new ArrayList<>(List.of(codes, indexer));
        Transformer[] fitted = head.stages();
        for (int i = 1; i < fitted.length; i++) {
            stages.add(fitted[i]);
        }
        return new Pipeline().setStages(stages.toArray(PipelineStage[]::new))
                .fit(spark.createDataFrame(new ArrayList<Row>(), ImageRows.SCHEMA));
    }

    private static void saveCodes(Dataset<Row> codes, Path file) {
        codes.select(ImageRows.PATH, ImageRows.LABEL, "codes", "codes_reason", WARNING).write().mode(SaveMode.Overwrite)
                .parquet(file.toString());
    }

    private static double seconds(long from, long to) {
        return (to - from) / 1e9;
    }
}

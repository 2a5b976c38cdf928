package org.cortado.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.rand;
import static org.apache.spark.sql.functions.row_number;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.feature.StringIndexerModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.cortado.heads.CrossValidation;
import org.cortado.heads.HeadSpec;

/**
 * {@code --c cv} on Spark: k-fold cross-validation of the head over the spec's C grid, each fit an MLlib job on the
 * cluster. Folds are stratified as the engine's own are: each class's rows, in a seeded random order, dealt to the
 * folds in turn, so that every fold holds each class's share to within one row (Spark's {@code randomSplit} can leave
 * a small class out of a fold's training rows). Each candidate's mean and standard deviation of fold accuracy are
 * reported as the CLI reports them.
 */
final class MllibCrossValidation {
    private static final String FOLD = "cv_fold";

    private MllibCrossValidation() {
    }

    static CrossValidation.Result run(HeadSpec spec, Dataset<Row> train, StringIndexerModel indexer, long n,
            int classes) {
        int k = spec.folds();
        Dataset<Row>[] folds = stratifiedFolds(train, indexer.getInputCol(), k, spec.seed());
        double[] grid = spec.cGrid();
        CrossValidation.Candidate[] candidates = new CrossValidation.Candidate[grid.length];
        int best = 0;
        for (int g = 0; g < grid.length; g++) {
            double[] acc = new double[k];
            for (int i = 0; i < k; i++) {
                Dataset<Row> rest = null;
                for (int j = 0; j < k; j++) {
                    if (j != i) {
                        rest = rest == null ? folds[j] : rest.union(folds[j]);
                    }
                }
                List<PipelineStage> stages = new ArrayList<>();
                stages.add(indexer);
                stages.addAll(MllibHeads.stages(spec, grid[g], n * (k - 1) / k, classes, "codes",
                        SparkTransfer.LABEL_INDEX));
                PipelineModel m = new Pipeline().setStages(stages.toArray(PipelineStage[]::new)).fit(rest);
                List<Row> predicted = m.transform(folds[i]).select(SparkTransfer.LABEL_INDEX, "prediction")
                        .collectAsList();
                long right = predicted.stream().filter(r -> r.getDouble(0) == r.getDouble(1)).count();
                acc[i] = predicted.isEmpty() ? 0 : (double) right / predicted.size();
            }
            double mean = java.util.Arrays.stream(acc).average().orElse(0);
            double var = java.util.Arrays.stream(acc).map(a -> (a - mean) * (a - mean)).average().orElse(0);
            candidates[g] = new CrossValidation.Candidate(grid[g], mean, Math.sqrt(var), acc);
            if (mean > candidates[best].meanAccuracy()) {
                best = g;
            }
        }
        for (Dataset<Row> f : folds) {
            f.unpersist();
        }
        return new CrossValidation.Result(grid[best], k, candidates);
    }

    /** {@code data} dealt into {@code k} folds per value of {@code label}, in an order seeded by {@code seed}. */
    @SuppressWarnings("unchecked")
    static Dataset<Row>[] stratifiedFolds(Dataset<Row> data, String label, int k, long seed) {
        WindowSpec byClass = Window.partitionBy(col(label)).orderBy(rand(seed));
        // The window's shuffle leaves spark.sql.shuffle.partitions (200 by default) partitions, mostly empty, and every
        // iteration of every fit would run a task per partition: back to the partitions the codes came in.
        Dataset<Row> dealt = data.withColumn(FOLD, pmod(row_number().over(byClass).minus(1), lit(k)))
                .coalesce(Math.max(1, data.rdd().getNumPartitions()));
        Dataset<Row>[] folds = new Dataset[k];
        for (int i = 0; i < k; i++) {
            folds[i] = dealt.filter(col(FOLD).equalTo(i)).drop(FOLD).cache();
        }
        return folds;
    }
}

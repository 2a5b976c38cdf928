package org.cortado.spark;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.feature.StringIndexerModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.cortado.heads.CrossValidation;
import org.cortado.heads.HeadSpec;

/**
 * {@code --c cv} on Spark: k-fold cross-validation of the head over the spec's C grid, each fit an MLlib job on the
 * cluster. Folds are Spark's random split of the training codes (seeded by the spec's seed), not stratified as the
 * engine's own folds are; each candidate's mean and standard deviation of fold accuracy are reported as the CLI
 * reports them.
 */
final class MllibCrossValidation {
    private MllibCrossValidation() {
    }

    static CrossValidation.Result run(HeadSpec spec, Dataset<Row> train, StringIndexerModel indexer, long n,
            int classes) {
        int k = spec.folds();
        double[] weights = new double[k];
        java.util.Arrays.fill(weights, 1.0);
        Dataset<Row>[] folds = train.randomSplit(weights, spec.seed());
        for (Dataset<Row> f : folds) {
            f.cache();
        }
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
}

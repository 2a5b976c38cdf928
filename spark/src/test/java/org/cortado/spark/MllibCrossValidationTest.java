package org.cortado.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.ml.feature.StringIndexerModel;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.cortado.heads.CrossValidation;
import org.cortado.heads.HeadSpec;
import org.cortado.heads.HeadType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code --c cv} on Spark: stratified folds, as the engine's own, and a choice of C from them. */
class MllibCrossValidationTest {
    private static final Map<String, Integer> SIZES = Map.of("ant", 7, "bee", 13, "wasp", 21);
    static SparkSession spark;
    static Dataset<Row> data;

    @BeforeAll
    static void start() {
        spark = LocalCluster.session("local[2]", "MllibCrossValidationTest");
        Random rng = new Random(7);
        List<Row> rows = new ArrayList<>();
        int id = 0;
        int c = 0;
        for (String label : List.of("ant", "bee", "wasp")) {
            for (int i = 0; i < SIZES.get(label); i++) {
                // Three well separated clusters: cross-validation must find them at every C of the grid.
                rows.add(RowFactory.create(id++, label, Vectors.dense(c * 4 + rng.nextGaussian() * 0.5,
                        -c * 3 + rng.nextGaussian() * 0.5)));
            }
            c++;
        }
        StructType schema = new StructType().add("id", DataTypes.IntegerType).add("label", DataTypes.StringType)
                .add("codes", SQLDataTypes.VectorType());
        data = spark.createDataFrame(rows, schema).repartition(3).cache();
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @Test
    void everyFoldHoldsEachClassShareToWithinOneRow() {
        int k = 5;
        Dataset<Row>[] folds = MllibCrossValidation.stratifiedFolds(data, "label", k, 3);
        Set<Integer> seen = new HashSet<>();
        for (Dataset<Row> fold : folds) {
            for (Map.Entry<String, Integer> e : SIZES.entrySet()) {
                long n = fold.filter(fold.col("label").equalTo(e.getKey())).count();
                assertTrue(n == e.getValue() / k || n == (e.getValue() + k - 1) / k,
                        e.getKey() + ": " + n + " rows of " + e.getValue() + " in a fold of " + k);
            }
            for (Row r : fold.select("id").collectAsList()) {
                assertTrue(seen.add(r.getInt(0)), "row " + r.getInt(0) + " in two folds");
            }
        }
        assertEquals(41, seen.size(), "every row in a fold");
    }

    @Test
    void choosesCOverTheGridWithEveryFoldScored() {
        HeadSpec s = HeadSpec.crossValidated(HeadType.SOFTMAX);
        HeadSpec spec = new HeadSpec(s.type(), s.svmLoss(), s.preprocessing(), null, new double[] {1e-3, 1}, 5, 0,
                s.lbfgs(), s.svmTolerance(), s.svmBias());
        StringIndexerModel indexer = new StringIndexer().setInputCol("label").setOutputCol(SparkTransfer.LABEL_INDEX)
                .fit(data);
        CrossValidation.Result r = MllibCrossValidation.run(spec, data, indexer, data.count(), 3);
        assertEquals(2, r.candidates().length);
        for (CrossValidation.Candidate c : r.candidates()) {
            assertEquals(5, c.foldAccuracy().length);
        }
        assertTrue(r.candidates()[1].meanAccuracy() > 0.95, "C = 1 on separable clusters: " + r.candidates()[1]);
        double bestMean = Math.max(r.candidates()[0].meanAccuracy(), r.candidates()[1].meanAccuracy());
        CrossValidation.Candidate chosen = r.bestC() == 1e-3 ? r.candidates()[0] : r.candidates()[1];
        assertEquals(bestMean, chosen.meanAccuracy(), "C of the best mean accuracy: " + List.of(r.candidates()));
    }
}

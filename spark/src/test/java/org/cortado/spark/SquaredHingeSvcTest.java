package org.cortado.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.cortado.heads.HeadSpec;
import org.cortado.heads.HeadType;
import org.cortado.heads.TrainedHead;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The SVM fitted on the cluster minimises the objective that core's dual solver minimises: on the same rows it gives
 * the CLI's head (scores within the solvers' tolerances, the same classes), for two classes and for three.
 */
class SquaredHingeSvcTest {
    static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = LocalCluster.session("local[2]", "SquaredHingeSvcTest");
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @Test
    void twoClassesGiveCoresHead() {
        check(2);
    }

    @Test
    void threeClassesGiveCoresOneVsRestHead() {
        check(3);
    }

    private static void check(int classes) {
        Random rng = new Random(classes);
        int n = 90;
        int d = 6;
        float[][] x = new float[n][d];
        int[] y = new int[n];
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            y[i] = i % classes;
            double[] v = new double[d];
            for (int j = 0; j < d; j++) {
                // Overlapping classes on scales from 1 to 6 with offsets, so that standardisation matters.
                x[i][j] = (float) ((rng.nextGaussian() + (j == y[i] ? 1.5 : 0)) * (j + 1) + 3 * j);
                v[j] = x[i][j];
            }
            rows.add(RowFactory.create((double) y[i], Vectors.dense(v)));
        }
        StructType schema = new StructType().add("label", DataTypes.DoubleType).add("codes",
                SQLDataTypes.VectorType());
        Dataset<Row> data = spark.createDataFrame(rows, schema).repartition(3);
        HeadSpec spec = HeadSpec.defaults(HeadType.SVM);
        LinearHeadModel fitted = new SquaredHingeSvc().set(1.0, spec.svmBias(), true, classes, "codes", "label")
                .fit(data);
        TrainedHead core = TrainedHead.fit(spec, x, y, classes);
        double[][] want = core.scores(x);
        int[] wantClass = core.predict(x);
        double maxDiff = 0;
        for (int i = 0; i < n; i++) {
            double[] got = fitted.model().scores(x[i]);
            for (int k = 0; k < classes; k++) {
                maxDiff = Math.max(maxDiff, Math.abs(got[k] - want[i][k]));
            }
            assertEquals(wantClass[i], org.cortado.heads.LinearModel.argmax(got), "row " + i);
        }
        assertTrue(maxDiff < 1e-2, "largest score difference " + maxDiff);
        assertTrue((Boolean) fitted.getOrDefault(fitted.converged()), fitted.getOrDefault(fitted.optimizer()));
        // The model predicts on the cluster what it scores here.
        List<Row> predicted = fitted.transform(data.coalesce(1)).select("codes", "prediction").collectAsList();
        for (Row r : predicted) {
            double[] v = ((org.apache.spark.ml.linalg.Vector) r.get(0)).toArray();
            float[] f = new float[v.length];
            for (int j = 0; j < v.length; j++) {
                f[j] = (float) v[j];
            }
            assertEquals(org.cortado.heads.LinearModel.argmax(fitted.model().scores(f)), (int) r.getDouble(1));
        }
        assertArrayEquals(new int[] {classes, d}, new int[] {fitted.model().classes(), fitted.model().dim()});
    }
}

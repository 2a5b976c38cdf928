package org.cortado.spark;

import java.io.Serializable;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;
import org.cortado.heads.Lbfgs;
import org.cortado.heads.LinearModel;

/**
 * The engine's default SVM head fitted on the cluster: LIBLINEAR's L2-loss SVC, {@code 0.5 |w|^2 + C sum_i
 * max(0, 1 - y_i w.x_i)^2} with the constant feature B appended (its weight regularised too), one-vs-rest over
 * several classes, one problem with class 1 positive over two, as core's {@code LinearSvm} defines it; on
 * standardised features when asked (means and population deviations from the cluster, a zero deviation taken as 1),
 * folded back so that the model works on raw features. MLlib has no squared hinge, and its hinge-loss LinearSVC
 * stops short on CNN codes (docs/spark.md has the figures); the squared hinge is smooth, so the primal is minimised
 * by core's L-BFGS on the driver, each evaluation summing loss and gradient over the partitions (treeAggregate). The
 * objective is the one the CLI's dual solver minimises, so both reach the same optimum up to their tolerances.
 */
public final class SquaredHingeSvc extends Estimator<LinearHeadModel> implements DefaultParamsWritable {
    private static final long serialVersionUID = 1L;

    private final String uid;
    private final DoubleParam c;
    private final DoubleParam biasFeature;
    private final BooleanParam standardize;
    private final IntParam classes;
    private final IntParam maxIter;
    private final DoubleParam tolerance;
    private final Param<String> featuresCol;
    private final Param<String> labelCol;

    public SquaredHingeSvc() {
        this(Identifiable.randomUID("squaredHingeSvc"));
    }

    public SquaredHingeSvc(String uid) {
        this.uid = uid;
        c = new DoubleParam(this, "c", "inverse regularisation strength C");
        biasFeature = new DoubleParam(this, "biasFeature", "the appended constant B (0: no bias)");
        standardize = new BooleanParam(this, "standardize", "fit on standardised features");
        classes = new IntParam(this, "classes", "the number of classes K (labels 0..K-1)");
        maxIter = new IntParam(this, "maxIter", "L-BFGS iterations at most");
        tolerance = new DoubleParam(this, "tolerance", "L-BFGS tolerance on the largest gradient component,"
                + " relative to the first");
        featuresCol = new Param<>(this, "featuresCol", "the features (MLlib vectors)");
        labelCol = new Param<>(this, "labelCol", "the class index");
        setDefault(c, 1.0);
        setDefault(biasFeature, 1.0);
        setDefault(standardize, true);
        setDefault(classes, 2);
        setDefault(maxIter, 1000);
        setDefault(tolerance, 1e-6);
        setDefault(featuresCol, "codes");
        setDefault(labelCol, "label");
    }

    public SquaredHingeSvc set(double cValue, double bias, boolean standardise, int k, String features,
            String label) {
        set(c, cValue);
        set(biasFeature, bias);
        set(standardize, standardise);
        set(classes, k);
        set(featuresCol, features);
        set(labelCol, label);
        return this;
    }

    @Override
    public String uid() {
        return uid;
    }

    public DoubleParam c() {
        return c;
    }

    public DoubleParam biasFeature() {
        return biasFeature;
    }

    public BooleanParam standardize() {
        return standardize;
    }

    public IntParam classes() {
        return classes;
    }

    public IntParam maxIter() {
        return maxIter;
    }

    public DoubleParam tolerance() {
        return tolerance;
    }

    public Param<String> featuresCol() {
        return featuresCol;
    }

    public Param<String> labelCol() {
        return labelCol;
    }

    /** One row: its class and features. */
    private record Point(int label, double[] x) implements Serializable {
    }

    @Override
    public LinearHeadModel fit(Dataset<?> dataset) {
        int k = (Integer) getOrDefault(classes);
        double cv = (Double) getOrDefault(c);
        double bFeature = (Double) getOrDefault(biasFeature);
        JavaRDD<Point> points = dataset.toDF().select(getOrDefault(labelCol), getOrDefault(featuresCol)).javaRDD()
                .map(r -> new Point((int) r.getDouble(0), ((Vector) r.get(1)).toArray())).cache();
        try {
            int d = points.first().x().length;
            double[][] moments = points.treeAggregate(new double[3][d], (acc, p) -> {
                acc[0][0]++;
                for (int j = 0; j < d; j++) {
                    acc[1][j] += p.x()[j];
                    acc[2][j] += p.x()[j] * p.x()[j];
                }
                return acc;
            }, SquaredHingeSvc::add3);
            double n = moments[0][0];
            double[] mean = new double[d];
            double[] std = new double[d];
            for (int j = 0; j < d; j++) {
                if ((Boolean) getOrDefault(standardize)) {
                    mean[j] = moments[1][j] / n;
                    double var = Math.max(0, moments[2][j] / n - mean[j] * mean[j]);
                    std[j] = var > 0 ? Math.sqrt(var) : 1;
                } else {
                    std[j] = 1;
                }
            }
            int problems = k == 2 ? 1 : k;
            int width = d + 1;
            Lbfgs.Objective objective = (w, grad) -> {
                double[] sums = points.treeAggregate(new double[problems * width + 1],
                        (acc, p) -> addPoint(acc, p, w, mean, std, bFeature, cv, k, problems, width),
                        SquaredHingeSvc::add);
                double loss = sums[problems * width];
                for (int i = 0; i < problems * width; i++) {
                    grad[i] = sums[i] + w[i];
                    loss += 0.5 * w[i] * w[i];
                }
                return loss;
            };
            Lbfgs.Result r = Lbfgs.minimize(objective, new double[problems * width], new Lbfgs.Settings(10,
                    (Double) getOrDefault(tolerance), (Integer) getOrDefault(maxIter)));
            double[][] weights = new double[k][d];
            double[] bias = new double[k];
            for (int p = 0; p < problems; p++) {
                int row = k == 2 ? 1 : p;
                double b = r.x()[p * width + d] * bFeature;
                for (int j = 0; j < d; j++) {
                    weights[row][j] = r.x()[p * width + j] / std[j];
                    b -= weights[row][j] * mean[j];
                }
                bias[row] = b;
            }
            String summary = "L-BFGS over the cluster, " + r.iterations() + " iterations, " + r.evaluations()
                    + " evaluations: " + r.stop();
            return LinearHeadModel.of(new LinearModel(weights, bias), getOrDefault(featuresCol), summary,
                    r.converged()).setParent(this);
        } finally {
            points.unpersist(false);
        }
    }

    /** Adds one point's squared-hinge loss (last slot) and its gradient to {@code acc}. */
    private static double[] addPoint(double[] acc, Point p, double[] w, double[] mean, double[] std, double bFeature,
            double c, int k, int problems, int width) {
        int d = width - 1;
        double[] z = new double[d];
        for (int j = 0; j < d; j++) {
            z[j] = (p.x()[j] - mean[j]) / std[j];
        }
        for (int q = 0; q < problems; q++) {
            int positive = k == 2 ? 1 : q;
            double y = p.label() == positive ? 1 : -1;
            int o = q * width;
            double m = w[o + d] * bFeature;
            for (int j = 0; j < d; j++) {
                m += w[o + j] * z[j];
            }
            double slack = 1 - y * m;
            if (slack > 0) {
                acc[problems * width] += c * slack * slack;
                double g = -2 * c * slack * y;
                for (int j = 0; j < d; j++) {
                    acc[o + j] += g * z[j];
                }
                acc[o + d] += g * bFeature;
            }
        }
        return acc;
    }

    private static double[] add(double[] a, double[] b) {
        for (int i = 0; i < a.length; i++) {
            a[i] += b[i];
        }
        return a;
    }

    private static double[][] add3(double[][] a, double[][] b) {
        for (int i = 0; i < a.length; i++) {
            add(a[i], b[i]);
        }
        return a;
    }

    @Override
    public StructType transformSchema(StructType schema) {
        return new LinearHeadModel().transformSchema(schema);
    }

    @Override
    public SquaredHingeSvc copy(ParamMap extra) {
        return defaultCopy(extra);
    }
}

package org.cortado.spark;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.classification.ClassificationModel;
import org.apache.spark.ml.classification.LinearSVC;
import org.apache.spark.ml.classification.LinearSVCModel;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.classification.LogisticRegressionModel;
import org.apache.spark.ml.classification.OneVsRest;
import org.apache.spark.ml.classification.OneVsRestModel;
import org.apache.spark.ml.feature.Normalizer;
import org.apache.spark.ml.linalg.Matrix;
import org.apache.spark.ml.linalg.Vector;
import org.cortado.heads.CrossValidation;
import org.cortado.heads.HeadSpec;
import org.cortado.heads.HeadType;
import org.cortado.heads.LinearModel;
import org.cortado.heads.LinearSvm;
import org.cortado.heads.Preprocessing;
import org.cortado.heads.TrainedHead;

/**
 * The engine's linear heads as MLlib estimators, and fitted MLlib models back as the engine's {@link TrainedHead}
 * (for the report and the Caffe export). The softmax head is MLlib's multinomial {@code LogisticRegression}; the SVM
 * with the squared hinge (the CLI's default) is {@link SquaredHingeSvc}, the engine's own objective fitted on the
 * cluster; with {@code --svm-loss hinge} it is MLlib's {@code LinearSVC} (binary) or {@code OneVsRest} of it. For
 * MLlib's estimators C becomes {@code regParam = 1 / (C n)}: MLlib minimises the mean loss plus
 * {@code regParam / 2 |w|^2}, which is the engine's {@code 1/2 |w|^2 + C sum of losses} divided by {@code C n}.
 * Standardisation is MLlib's ({@code standardization}, coefficients reported on the raw scale); L2 normalisation is a
 * {@link Normalizer} stage before the classifier.
 */
public final class MllibHeads {
    /** The column of L2-normalised codes, where the spec asks for them. */
    public static final String NORMALISED = "codes_l2";
    /**
     * MLlib's iteration limit for the head (its default). Each iteration is a Spark job or several (LinearSVC's OWL-QN
     * line search evaluates the loss over the cluster at each step); a fit that reaches it says so in the report.
     */
    static final int MAX_ITERATIONS = 100;

    private MllibHeads() {
    }

    /** MLlib's regParam for C on {@code n} training rows. */
    public static double regParam(double c, long n) {
        return 1.0 / (c * n);
    }

    /**
     * The stages that fit the head on {@code codesCol} and {@code labelCol} (label indices 0..K-1): a normaliser
     * when the spec asks for L2, then the classifier (predictions in {@code prediction}, scores in
     * {@code rawPrediction}).
     */
    public static List<PipelineStage> stages(HeadSpec spec, double c, long n, int classes, String codesCol,
            String labelCol) {
        List<PipelineStage> stages = new ArrayList<>();
        String features = codesCol;
        if (spec.preprocessing() == Preprocessing.L2) {
            stages.add(new Normalizer().setP(2).setInputCol(codesCol).setOutputCol(NORMALISED));
            features = NORMALISED;
        }
        boolean standardize = spec.preprocessing() == Preprocessing.STANDARDIZE;
        double reg = regParam(c, n);
        if (spec.type() == HeadType.SOFTMAX) {
            stages.add(new LogisticRegression().setFamily("multinomial").setRegParam(reg).setElasticNetParam(0)
                    .setStandardization(standardize).setMaxIter(MAX_ITERATIONS).setFeaturesCol(features)
                    .setLabelCol(labelCol));
        } else if (spec.svmLoss() == LinearSvm.Loss.SQUARED_HINGE) {
            stages.add(new SquaredHingeSvc().set(c, spec.svmBias(), standardize, classes, features, labelCol));
        } else {
            LinearSVC svc = new LinearSVC().setRegParam(reg).setStandardization(standardize)
                    .setMaxIter(MAX_ITERATIONS).setFeaturesCol(features).setLabelCol(labelCol);
            stages.add(classes == 2 ? svc : new OneVsRest().setClassifier(svc).setFeaturesCol(features)
                    .setLabelCol(labelCol));
        }
        return stages;
    }

    /**
     * The fitted classifier as the engine's head: class scores of raw codes (or of L2-normalised ones, where the spec
     * says so) that pick the class MLlib picks. A binary LinearSVC's margin m becomes the scores (-m, m).
     *
     * @param cv how C was chosen, or null when it was given
     */
    public static TrainedHead toHead(Transformer classifier, HeadSpec spec, double c, CrossValidation.Result cv,
            int classes) {
        double[][] w;
        double[] b;
        String optimizer;
        boolean converged;
        if (classifier instanceof LogisticRegressionModel lr) {
            Matrix m = lr.coefficientMatrix();
            w = new double[m.numRows()][m.numCols()];
            for (int k = 0; k < m.numRows(); k++) {
                for (int j = 0; j < m.numCols(); j++) {
                    w[k][j] = m.apply(k, j);
                }
            }
            b = lr.interceptVector().toArray();
            int it = lr.hasSummary() ? lr.summary().totalIterations() : -1;
            optimizer = "MLlib LogisticRegression (L-BFGS), " + it + " iterations";
            converged = it >= 0 && it < MAX_ITERATIONS;
        } else if (classifier instanceof LinearSVCModel svc) {
            double[] v = svc.coefficients().toArray();
            w = new double[2][];
            w[1] = v;
            w[0] = negate(v);
            b = new double[] {-svc.intercept(), svc.intercept()};
            int it = svc.hasSummary() ? svc.summary().totalIterations() : -1;
            optimizer = "MLlib LinearSVC (OWL-QN), " + it + " iterations";
            converged = it >= 0 && it < MAX_ITERATIONS;
        } else if (classifier instanceof LinearHeadModel lin) {
            LinearModel m = lin.model();
            w = m.weights();
            b = m.bias();
            optimizer = lin.getOrDefault(lin.optimizer());
            converged = (Boolean) lin.getOrDefault(lin.converged());
        } else if (classifier instanceof OneVsRestModel ovr) {
            ClassificationModel<?, ?>[] models = ovr.models();
            w = new double[models.length][];
            b = new double[models.length];
            for (int k = 0; k < models.length; k++) {
                LinearSVCModel m = (LinearSVCModel) models[k];
                w[k] = m.coefficients().toArray();
                b[k] = m.intercept();
            }
            optimizer = "MLlib OneVsRest of " + models.length + " LinearSVC (OWL-QN)";
            converged = true;
        } else {
            throw new IllegalArgumentException("not a head this engine exports: " + classifier.getClass().getName());
        }
        if (w.length != classes) {
            throw new IllegalStateException("the fitted head has " + w.length + " classes, the data " + classes
                    + " (a class without training images?)");
        }
        return TrainedHead.ofRawCodes(spec, c, cv, new LinearModel(w, b), converged, optimizer);
    }

    private static double[] negate(double[] v) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = -v[i];
        }
        return out;
    }

    /** A vector as floats (codes). */
    public static float[] floats(Vector v) {
        double[] d = v.toArray();
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }
}

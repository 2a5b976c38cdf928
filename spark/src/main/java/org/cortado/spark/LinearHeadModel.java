package org.cortado.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.udf;

import org.apache.spark.ml.Model;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleArrayArrayParam;
import org.apache.spark.ml.param.DoubleArrayParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.cortado.heads.LinearModel;

/**
 * A linear head as a Spark ML model: class scores {@code W x + b} of the features ({@code rawPrediction}) and the
 * class of the largest ({@code prediction}, the first on ties), as MLlib's classifiers name them. Weights and bias are
 * params, so that it saves and loads with a {@code PipelineModel} like any stage; {@link SquaredHingeSvc} fits it.
 */
public final class LinearHeadModel extends Model<LinearHeadModel> implements DefaultParamsWritable {
    private static final long serialVersionUID = 1L;

    private final String uid;
    private final DoubleArrayArrayParam weights;
    private final DoubleArrayParam bias;
    private final Param<String> featuresCol;
    private final Param<String> predictionCol;
    private final Param<String> rawPredictionCol;
    private final Param<String> optimizer;
    private final BooleanParam converged;

    public LinearHeadModel() {
        this(Identifiable.randomUID("linearHead"));
    }

    public LinearHeadModel(String uid) {
        this.uid = uid;
        weights = new DoubleArrayArrayParam(this, "weights", "K rows of class weights on the features");
        bias = new DoubleArrayParam(this, "bias", "K class biases");
        featuresCol = new Param<>(this, "featuresCol", "the features (MLlib vectors)");
        predictionCol = new Param<>(this, "predictionCol", "the predicted class index");
        rawPredictionCol = new Param<>(this, "rawPredictionCol", "the class scores");
        optimizer = new Param<>(this, "optimizer", "how the fit ended, in words");
        converged = new BooleanParam(this, "converged", "whether the fit met its tolerance");
        setDefault(featuresCol, "codes");
        setDefault(predictionCol, "prediction");
        setDefault(rawPredictionCol, "rawPrediction");
        setDefault(optimizer, "");
        setDefault(converged, true);
    }

    /** A head of {@code model}'s weights. */
    static LinearHeadModel of(LinearModel model, String features, String optimizerSummary, boolean done) {
        LinearHeadModel m = new LinearHeadModel();
        m.set(m.weights, model.weights());
        m.set(m.bias, model.bias());
        m.set(m.featuresCol, features);
        m.set(m.optimizer, optimizerSummary);
        m.set(m.converged, done);
        return m;
    }

    @Override
    public String uid() {
        return uid;
    }

    public DoubleArrayArrayParam weights() {
        return weights;
    }

    public DoubleArrayParam bias() {
        return bias;
    }

    public Param<String> featuresCol() {
        return featuresCol;
    }

    public Param<String> predictionCol() {
        return predictionCol;
    }

    public Param<String> rawPredictionCol() {
        return rawPredictionCol;
    }

    public Param<String> optimizer() {
        return optimizer;
    }

    public BooleanParam converged() {
        return converged;
    }

    /** The head as the engine's linear model. */
    public LinearModel model() {
        return new LinearModel(getOrDefault(weights), getOrDefault(bias));
    }

    @Override
    public StructType transformSchema(StructType schema) {
        return schema.add(getOrDefault(rawPredictionCol), SQLDataTypes.VectorType())
                .add(getOrDefault(predictionCol), DataTypes.DoubleType);
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        double[][] w = getOrDefault(weights);
        double[] b = getOrDefault(bias);
        UDF1<Vector, Vector> scores = v -> {
            if (v == null) {
                return null; // a row without a code has no prediction
            }
            double[] x = v.toArray();
            double[] s = new double[w.length];
            for (int k = 0; k < w.length; k++) {
                double sum = b[k];
                for (int j = 0; j < x.length; j++) {
                    sum += w[k][j] * x[j];
                }
                s[k] = sum;
            }
            return Vectors.dense(s);
        };
        UDF1<Vector, Double> argmax = v -> v == null ? null : (double) v.argmax();
        String raw = getOrDefault(rawPredictionCol);
        Dataset<Row> withScores = dataset.toDF().withColumn(raw, udf(scores, SQLDataTypes.VectorType())
                .apply(col(getOrDefault(featuresCol))));
        return withScores.withColumn(getOrDefault(predictionCol), udf(argmax, DataTypes.DoubleType).apply(col(raw)));
    }

    @Override
    public LinearHeadModel copy(ParamMap extra) {
        return copyValues(new LinearHeadModel(uid), extra).setParent(parent());
    }

    public static MLReader<LinearHeadModel> read() {
        return new DefaultParamsReader<>();
    }

    public static LinearHeadModel load(String path) {
        return read().load(path);
    }
}

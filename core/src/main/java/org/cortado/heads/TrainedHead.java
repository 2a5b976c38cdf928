package org.cortado.heads;

import org.cortado.features.FeatureSet;

/**
 * A linear head fitted on CNN codes: the fitted preprocessing, the linear model on preprocessed codes, the C used and
 * how it was chosen. Works on raw codes throughout.
 */
public final class TrainedHead {
    private final HeadSpec spec;
    private final double c;
    private final CrossValidation.Result crossValidation;
    private final Preprocessor preprocessor;
    private final LinearModel model;
    private final boolean converged;
    private final String optimizer;

    TrainedHead(HeadSpec spec, double c, CrossValidation.Result crossValidation, Preprocessor preprocessor,
            LinearModel model, boolean converged, String optimizer) {
        this.spec = spec;
        this.c = c;
        this.crossValidation = crossValidation;
        this.preprocessor = preprocessor;
        this.model = model;
        this.converged = converged;
        this.optimizer = optimizer;
    }

    /**
     * Trains {@code spec}'s head on raw codes {@code x} (N x D) with labels {@code y} in {@code 0..classes-1}:
     * C by cross-validation unless the spec fixes it, then one fit on all of {@code x}.
     */
    public static TrainedHead fit(HeadSpec spec, float[][] x, int[] y, int classes) {
        Labels.check(x, y, classes);
        CrossValidation.Result cv = spec.c() == null ? CrossValidation.run(spec, x, y, classes) : null;
        double c = cv == null ? spec.c() : cv.bestC();
        Preprocessor pre = Preprocessor.fit(spec.preprocessing(), x);
        HeadSpec.ModelFit fit = spec.fitModel(pre.apply(x), y, classes, c);
        return new TrainedHead(spec, c, cv, pre, fit.model(), fit.converged(), fit.summary());
    }

    /**
     * A head fitted elsewhere (Spark MLlib's LinearSVC or LogisticRegression): {@code model} maps raw codes to class
     * scores, a standardisation that the fit applied already folded into its weights (MLlib reports coefficients on
     * the original scale); an L2 normalisation of {@code spec} is still applied to the codes before it.
     *
     * @param crossValidation how C was chosen, or null when it was given
     */
    public static TrainedHead ofRawCodes(HeadSpec spec, double c, CrossValidation.Result crossValidation,
            LinearModel model, boolean converged, String optimizer) {
        Preprocessing kept = spec.preprocessing() == Preprocessing.L2 ? Preprocessing.L2 : Preprocessing.NONE;
        return new TrainedHead(spec, c, crossValidation, Preprocessor.fit(kept, new float[0][]), model, converged,
                optimizer);
    }

    /** Trains on a feature file's codes and labels, over all of its classes. */
    public static TrainedHead fit(HeadSpec spec, FeatureSet train) {
        return fit(spec, train.rowArrays(), train.labels(), train.classes().size());
    }

    public HeadSpec spec() {
        return spec;
    }

    /** The C of the final fit. */
    public double c() {
        return c;
    }

    /** The cross-validation that chose C, or null when C was given. */
    public CrossValidation.Result crossValidation() {
        return crossValidation;
    }

    public Preprocessor preprocessor() {
        return preprocessor;
    }

    /** The model on preprocessed codes. */
    public LinearModel model() {
        return model;
    }

    /** Whether the final fit's optimiser met its tolerance. */
    public boolean converged() {
        return converged;
    }

    /** The final fit's optimiser outcome in words. */
    public String optimizerSummary() {
        return optimizer;
    }

    public int classes() {
        return model.classes();
    }

    /** Class scores (logits for softmax, decision values for the SVM) of raw codes. */
    public double[][] scores(float[][] x) {
        double[][] out = new double[x.length][];
        for (int i = 0; i < x.length; i++) {
            out[i] = model.scores(preprocessor.apply(x[i]));
        }
        return out;
    }

    /** Predicted classes of raw codes. */
    public int[] predict(float[][] x) {
        return model.predict(preprocessor.apply(x));
    }

    /** Predictions on raw codes {@code x} scored against {@code y}. */
    public Evaluation evaluate(float[][] x, int[] y) {
        return Evaluation.of(y, predict(x), classes());
    }

    /**
     * Predictions on a feature file's codes scored against its labels.
     *
     * @throws IllegalArgumentException when its classes are not the ones this head was trained on
     */
    public Evaluation evaluate(FeatureSet set) {
        if (set.classes().size() != classes()) {
            throw new IllegalArgumentException("codes of " + set.classes().size() + " classes " + set.classes()
                    + " for a head of " + classes() + " classes");
        }
        return evaluate(set.rowArrays(), set.labels());
    }

    /**
     * The head as one affine map on raw codes: standardisation folded in ({@code W' = W / std},
     * {@code b' = b - W' mean}), L2 normalisation flagged for a layer of its own.
     */
    public AffineMap affineOnRawCodes() {
        int k = model.classes();
        int d = model.dim();
        float[][] w = new float[k][d];
        float[] b = new float[k];
        double[] mean = preprocessor.mean();
        double[] std = preprocessor.std();
        for (int r = 0; r < k; r++) {
            double bias = model.bias()[r];
            for (int j = 0; j < d; j++) {
                double wj = model.weights()[r][j];
                if (mean != null) {
                    wj /= std[j];
                    bias -= wj * mean[j];
                }
                w[r][j] = (float) wj;
            }
            b[r] = (float) bias;
        }
        return new AffineMap(w, b, preprocessor.kind() == Preprocessing.L2);
    }
}

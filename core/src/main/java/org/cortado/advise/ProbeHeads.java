package org.cortado.advise;

import java.util.List;
import org.cortado.features.FeatureSet;
import org.cortado.heads.CrossValidation;
import org.cortado.heads.HeadSpec;
import org.cortado.heads.Lbfgs;
import org.cortado.heads.TrainedHead;

/** One probe row: a head fitted on a layer's training codes, scored by cross-validation, on training and on val. */
final class ProbeHeads {
    private ProbeHeads() {
    }

    /**
     * Relative L-BFGS gradient tolerance of the cross-validation fits: scikit-learn's default {@code tol}. Fold scores
     * only rank candidates, and at the final fit's 1e-8 a sweep of a dozen layers at C = 1 spends minutes converging
     * weights that change no prediction.
     */
    static final double SCREENING_LBFGS_TOLERANCE = 1e-4;
    /** The SVM's tolerance in the cross-validation fits: LIBLINEAR's default for its dual solvers ({@code -e 0.1}). */
    static final double SCREENING_SVM_TOLERANCE = 0.1;

    /**
     * Fits {@code spec}'s head on {@code train} and scores it. C is the spec's, or the best of its grid by k-fold
     * cross-validation on {@code train}; the cross-validation accuracy is the k-fold mean at that C. The folds are
     * fitted to the screening tolerances, the final head to the spec's.
     */
    static Probe.Row row(HeadSpec spec, List<String> layers, int depth, FeatureSet train, FeatureSet val) {
        float[][] x = train.rowArrays();
        int[] y = train.labels();
        int classes = train.classes().size();
        HeadSpec screening = screening(spec, spec.c() == null ? spec.cGrid() : new double[] {spec.c()});
        CrossValidation.Result cv = CrossValidation.run(screening, x, y, classes);
        double cvAccuracy = 0;
        for (CrossValidation.Candidate c : cv.candidates()) {
            if (c.c() == cv.bestC()) {
                cvAccuracy = c.meanAccuracy();
            }
        }
        TrainedHead head = TrainedHead.fit(spec.withC(cv.bestC()), x, y, classes);
        double trainAccuracy = head.evaluate(x, y).accuracy();
        double valAccuracy = val.rows() == 0 ? Double.NaN : head.evaluate(val).accuracy();
        return new Probe.Row(String.join("+", layers), layers, depth, train.dim(), head.c(), cvAccuracy,
                trainAccuracy, valAccuracy);
    }

    /** {@code spec} cross-validated over {@code grid} with the screening tolerances. */
    static HeadSpec screening(HeadSpec spec, double[] grid) {
        Lbfgs.Settings l = spec.lbfgs();
        return new HeadSpec(spec.type(), spec.svmLoss(), spec.preprocessing(), null, grid, spec.folds(), spec.seed(),
                new Lbfgs.Settings(l.history(), Math.max(l.gradientTolerance(), SCREENING_LBFGS_TOLERANCE),
                        l.maxIterations()),
                Math.max(spec.svmTolerance(), SCREENING_SVM_TOLERANCE), spec.svmBias());
    }
}

package org.cortado.heads;

import java.util.Arrays;

/**
 * What head to train and how.
 *
 * @param type          softmax or SVM
 * @param svmLoss       the SVM's loss (ignored for softmax)
 * @param preprocessing normalisation of the codes, fitted on the training codes
 * @param c             the inverse regularisation strength C, or null to choose it by cross-validation
 * @param cGrid         the candidate values of C for cross-validation
 * @param folds         k of the stratified k-fold cross-validation
 * @param seed          seed of fold assignment and of the SVM's coordinate order
 * @param lbfgs         optimiser settings of the softmax head
 * @param svmTolerance  stopping tolerance of the SVM's dual solver
 * @param svmBias       the SVM's appended bias feature (LIBLINEAR's {@code -B}); 0 for none
 */
public record HeadSpec(HeadType type, LinearSvm.Loss svmLoss, Preprocessing preprocessing, Double c, double[] cGrid,
        int folds, long seed, Lbfgs.Settings lbfgs, double svmTolerance, double svmBias) {

    /** 10^-5 to 10^2 in half decades: wide enough for standardised or L2-normalised CNN codes. */
    public static final double[] DEFAULT_GRID = logGrid(-5, 2, 2);
    public static final int DEFAULT_FOLDS = 5;
    /**
     * The default C: LIBLINEAR's ({@code -c 1}) and scikit-learn's (LinearSVC, LogisticRegression), the setting of the
     * peer figures this engine is compared with, on unit-variance codes.
     */
    public static final double DEFAULT_C = 1.0;

    public HeadSpec {
        cGrid = cGrid.clone();
        if (c == null && cGrid.length == 0) {
            throw new IllegalArgumentException("give C or a grid of C values to cross-validate");
        }
        for (double v : cGrid) {
            if (!(v > 0) || Double.isInfinite(v)) {
                throw new IllegalArgumentException("C values must be positive and finite, got " + Arrays.toString(cGrid));
            }
        }
        if (c != null && (!(c > 0) || c.isInfinite())) {
            throw new IllegalArgumentException("C must be positive and finite, got " + c);
        }
        if (folds < 2) {
            throw new IllegalArgumentException("cross-validation needs at least 2 folds, got " + folds);
        }
    }

    /**
     * The default head of {@code type}: on standardised codes with C = {@value #DEFAULT_C} (the SVM with the squared
     * hinge). docs/transfer.md says why C is fixed rather than cross-validated by default.
     */
    public static HeadSpec defaults(HeadType type) {
        return crossValidated(type).withC(DEFAULT_C);
    }

    /** A head of {@code type} on standardised codes, C by 5-fold cross-validation over {@link #DEFAULT_GRID}. */
    public static HeadSpec crossValidated(HeadType type) {
        return new HeadSpec(type, LinearSvm.Loss.SQUARED_HINGE, Preprocessing.STANDARDIZE, null, DEFAULT_GRID,
                DEFAULT_FOLDS, 0, Lbfgs.Settings.DEFAULT, LinearSvm.Settings.DEFAULT.tolerance(),
                LinearSvm.Settings.DEFAULT.biasFeature());
    }

    /** {@code 10^lo .. 10^hi} with {@code perDecade} values per factor of ten. */
    public static double[] logGrid(int lo, int hi, int perDecade) {
        int n = (hi - lo) * perDecade + 1;
        double[] g = new double[n];
        for (int i = 0; i < n; i++) {
            g[i] = Math.pow(10, lo + (double) i / perDecade);
        }
        return g;
    }

    /** This spec with a fixed C (no cross-validation). */
    public HeadSpec withC(double value) {
        return new HeadSpec(type, svmLoss, preprocessing, value, cGrid, folds, seed, lbfgs, svmTolerance, svmBias);
    }

    /** This spec with another preprocessing. */
    public HeadSpec withPreprocessing(Preprocessing p) {
        return new HeadSpec(type, svmLoss, p, c, cGrid, folds, seed, lbfgs, svmTolerance, svmBias);
    }

    /** This spec with another SVM loss. */
    public HeadSpec withSvmLoss(LinearSvm.Loss loss) {
        return new HeadSpec(type, loss, preprocessing, c, cGrid, folds, seed, lbfgs, svmTolerance, svmBias);
    }

    /** This spec with another cross-validation grid, fold count and seed. */
    public HeadSpec withCrossValidation(double[] grid, int k, long newSeed) {
        return new HeadSpec(type, svmLoss, preprocessing, c, grid, k, newSeed, lbfgs, svmTolerance, svmBias);
    }

    @Override
    public double[] cGrid() {
        return cGrid.clone();
    }

    /** A short name for reports: "softmax" or "svm (squared_hinge)". */
    public String describe() {
        return type == HeadType.SVM ? "svm (" + svmLoss.id() + ")" : type.id();
    }

    /** Fits this head's model with a given C on already preprocessed codes. */
    ModelFit fitModel(float[][] z, int[] y, int classes, double cValue) {
        return switch (type) {
            case SOFTMAX -> {
                SoftmaxRegression.Fit f = SoftmaxRegression.fit(z, y, classes, cValue, lbfgs);
                Lbfgs.Result r = f.optimizer();
                yield new ModelFit(f.model(), r.converged(), "L-BFGS: " + r.iterations() + " iterations, "
                        + r.evaluations() + " evaluations, |gradient|_inf " + r.gradientNorm() + ", " + r.stop());
            }
            case SVM -> {
                LinearSvm.Fit f = LinearSvm.fit(z, y, classes, cValue, svmLoss,
                        new LinearSvm.Settings(svmTolerance, LinearSvm.Settings.DEFAULT.maxIterations(), svmBias, seed));
                int passes = Arrays.stream(f.problems()).mapToInt(LinearSvm.BinaryFit::iterations).max().orElse(0);
                yield new ModelFit(f.model(), f.converged(), "dual coordinate descent: " + f.problems().length
                        + " binary problem(s), at most " + passes + " passes" + (f.converged() ? "" : ", NOT converged"));
            }
        };
    }

    /** A fitted model with its optimiser's outcome. */
    record ModelFit(LinearModel model, boolean converged, String summary) {
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HeadSpec h && type == h.type && svmLoss == h.svmLoss && preprocessing == h.preprocessing
                && java.util.Objects.equals(c, h.c) && Arrays.equals(cGrid, h.cGrid) && folds == h.folds
                && seed == h.seed && lbfgs.equals(h.lbfgs) && svmTolerance == h.svmTolerance && svmBias == h.svmBias;
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(type, svmLoss, preprocessing, c, Arrays.hashCode(cGrid), folds, seed);
    }
}

package org.cortado.advise;

import java.util.List;
import org.cortado.features.FeatureSet;
import org.cortado.heads.CrossValidation;
import org.cortado.heads.HeadSpec;
import org.cortado.heads.TrainedHead;

/** One probe row: a head fitted on a layer's training codes, scored by cross-validation, on training and on val. */
final class ProbeHeads {
    private ProbeHeads() {
    }

    /**
     * Fits {@code spec}'s head on {@code train} and scores it. With C given, the cross-validation accuracy is the
     * k-fold mean at that C (the same folds a search would use); with C searched, the mean of the chosen C.
     */
    static Probe.Row row(HeadSpec spec, List<String> layers, int depth, FeatureSet train, FeatureSet val) {
        float[][] x = train.rowArrays();
        int[] y = train.labels();
        int classes = train.classes().size();
        TrainedHead head = TrainedHead.fit(spec, x, y, classes);
        CrossValidation.Result cv = head.crossValidation() != null ? head.crossValidation()
                : CrossValidation.run(atC(spec, head.c()), x, y, classes);
        double cvAccuracy = 0;
        for (CrossValidation.Candidate c : cv.candidates()) {
            if (c.c() == cv.bestC()) {
                cvAccuracy = c.meanAccuracy();
            }
        }
        double trainAccuracy = head.evaluate(x, y).accuracy();
        double valAccuracy = val.rows() == 0 ? Double.NaN : head.evaluate(val).accuracy();
        return new Probe.Row(String.join("+", layers), layers, depth, train.dim(), head.c(), cvAccuracy,
                trainAccuracy, valAccuracy);
    }

    /** {@code spec} cross-validated over the single value {@code c}: the k-fold score of that C alone. */
    static HeadSpec atC(HeadSpec spec, double c) {
        return new HeadSpec(spec.type(), spec.svmLoss(), spec.preprocessing(), null, new double[] {c}, spec.folds(),
                spec.seed(), spec.lbfgs(), spec.svmTolerance(), spec.svmBias());
    }
}

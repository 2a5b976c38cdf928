package org.cortado.report;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.cortado.features.FeatureFiles;
import org.cortado.features.FeatureSet;
import org.cortado.heads.Preprocessing;
import org.cortado.heads.Preprocessor;
import org.cortado.report.HtmlReport.Projection;

/**
 * A 2-D map of the codes from the feature files a report names: normalised as the head normalised them (fitted on
 * the training codes), then projected on their first two principal components, or laid out by t-SNE when asked.
 * Points are capped, taken evenly from each set, so that the page and the work stay bounded.
 */
final class CodeMap {
    /** Points drawn by PCA. */
    static final int PCA_POINTS = 2000;
    /** Points laid out by t-SNE, whose cost grows with their square. */
    static final int TSNE_POINTS = 1000;
    /** Training codes the principal axes are fitted on (the eigenproblem is at most this large). */
    static final int FIT_ROWS = 1000;
    private static final int TSNE_INPUT = 50;

    private CodeMap() {
    }

    static void render(RenderContext ctx, Html h, ReportJson r, List<String> classes, List<Prediction> predictions) {
        Projection method = ctx.options().map();
        if (method == Projection.NONE) {
            return;
        }
        h.element("h3", "Map of the codes");
        String trainFile = r.text("/train_features");
        if (trainFile == null) {
            h.element("p", "The report names no feature files, so there is no map of the codes.");
            return;
        }
        FeatureSet train;
        FeatureSet val = null;
        String valFile = r.text("/val_features");
        try {
            train = FeatureFiles.read(ctx.resolve(trainFile));
            if (valFile != null) {
                val = FeatureFiles.read(ctx.resolve(valFile));
            }
        } catch (RuntimeException e) {
            String message = "no map of the codes: " + e.getMessage();
            ctx.warn(message);
            h.element("p", message, "class", "warning");
            return;
        }
        if (!train.classes().equals(classes) || (val != null && !val.classes().equals(classes))
                || (val != null && val.rows() > 0 && val.dim() != train.dim()) || train.rows() < 3) {
            String message = "no map of the codes: the feature files " + trainFile + (valFile == null ? "" : " and "
                    + valFile) + " do not hold this report's classes, or hold fewer than three codes";
            ctx.warn(message);
            h.element("p", message, "class", "warning");
            return;
        }
        int cap = method == Projection.TSNE ? TSNE_POINTS : PCA_POINTS;
        int valRows = val == null ? 0 : val.rows();
        int total = train.rows() + valRows;
        int trainShown = total <= cap ? train.rows() : (int) ((long) cap * train.rows() / total);
        int valShown = total <= cap ? valRows : cap - trainShown;
        int[] trainIdx = evenly(train.rows(), trainShown);
        int[] valIdx = evenly(valRows, valShown);

        String normalisation = r.text("/preprocessing");
        Preprocessing kind = normalisation == null ? Preprocessing.STANDARDIZE : Preprocessing.parse(normalisation);
        float[][] trainRows = train.rowArrays();
        Preprocessor pre = Preprocessor.fit(kind, trainRows);
        float[][] trainNorm = pre.apply(trainRows);
        float[][] fitRows = pick(trainNorm, evenly(trainRows.length, Math.min(FIT_ROWS, trainRows.length)));
        float[][] shown = new float[trainIdx.length + valIdx.length][];
        for (int i = 0; i < trainIdx.length; i++) {
            shown[i] = trainNorm[trainIdx[i]];
        }
        if (val != null) {
            float[][] valNorm = pre.apply(val.rowArrays());
            for (int i = 0; i < valIdx.length; i++) {
                shown[trainIdx.length + i] = valNorm[valIdx[i]];
            }
        }
        Pca pca = Pca.fit(fitRows, method == Projection.TSNE ? TSNE_INPUT : 2);
        double[][] coords = new double[shown.length][];
        for (int i = 0; i < shown.length; i++) {
            coords[i] = pca.project(shown[i]);
        }
        if (method == Projection.TSNE) {
            coords = Tsne.embed(coords);
        }
        Map<String, Prediction> byFile = new HashMap<>();
        predictions.forEach(p -> byFile.put(p.file(), p));
        List<ScatterChart.Point> points = new ArrayList<>();
        for (int i = 0; i < coords.length; i++) {
            boolean isVal = i >= trainIdx.length;
            int row = isVal ? valIdx[i - trainIdx.length] : trainIdx[i];
            FeatureSet set = isVal ? val : train;
            String file = set.files().get(row);
            int label = set.labels()[row];
            Prediction p = isVal ? byFile.get(file) : null;
            boolean wrong = p != null && p.wrong();
            String tip = (isVal ? "validation: " : "training: ") + file + " (" + classes.get(label)
                    + (wrong ? ", predicted " + classes.get(p.predicted()) : "") + ")";
            points.add(new ScatterChart.Point(coords[i][0], coords[i].length > 1 ? coords[i][1] : 0, label, isVal,
                    wrong, isVal ? tip : null));
        }
        String how = method == Projection.TSNE
                ? "t-SNE (perplexity " + Markup.figure(Math.min(Tsne.PERPLEXITY, (coords.length - 1) / 3.0), 3) + ", "
                + Tsne.ITERATIONS + " iterations) of the first " + pca.axes().length + " principal components"
                : "first two principal components (" + Markup.percent(pca.explained()[0]) + " and "
                + Markup.percent(pca.explained().length > 1 ? pca.explained()[1] : 0) + " of the variance)";
        String note = method == Projection.TSNE ? "t-SNE: neighbourhoods are meaningful, distances between groups"
                + " are not" : "PC1 across, PC2 up";
        h.figure(ScatterChart.svg(ctx.id("map"), "Map of the codes (" + (method == Projection.TSNE ? "t-SNE" : "PCA")
                + ")", note, classes, points), "The " + how + " of the codes, normalised ("
                + kind.id() + ") as the head saw them, fitted on " + fitRows.length + " training codes. Shown: "
                + trainIdx.length + " of " + train.rows() + " training and " + valIdx.length + " of " + valRows
                + " validation images" + (trainIdx.length + valIdx.length < total ? ", taken evenly from each set"
                : "") + ". Counts per class are in the accompanying table.");
        Table t = new Table("Images on the map per class", "class", "#training", "#validation",
                "#misclassified validation");
        int[][] counts = new int[classes.size()][3];
        for (ScatterChart.Point p : points) {
            counts[p.label()][p.val() ? 1 : 0]++;
            counts[p.label()][2] += p.misclassified() ? 1 : 0;
        }
        for (int k = 0; k < Math.min(classes.size(), ConfusionSection.TABULATED); k++) {
            t.row(classes.get(k), Integer.toString(counts[k][0]), Integer.toString(counts[k][1]),
                    Integer.toString(counts[k][2]));
        }
        h.table(t);
    }

    /** {@code k} indices spread evenly over {@code 0..n-1}, in order. */
    static int[] evenly(int n, int k) {
        int[] out = new int[Math.min(n, k)];
        for (int i = 0; i < out.length; i++) {
            out[i] = (int) ((long) i * n / out.length);
        }
        return out;
    }

    private static float[][] pick(float[][] rows, int[] idx) {
        float[][] out = new float[idx.length][];
        for (int i = 0; i < idx.length; i++) {
            out[i] = rows[idx[i]];
        }
        return out;
    }
}

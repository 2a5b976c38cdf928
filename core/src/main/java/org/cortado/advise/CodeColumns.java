package org.cortado.advise;

import java.util.List;
import org.cortado.features.FeatureSet;
import org.cortado.features.Provenance;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/** Column slices and side-by-side joins of feature sets with the same rows: one layer of a multi-layer code file. */
final class CodeColumns {
    private CodeColumns() {
    }

    /**
     * Columns {@code [offset, offset + dim)} of {@code all}, with {@code provenance}; its skipped images and decoder
     * warnings are the slice's too.
     */
    static FeatureSet slice(FeatureSet all, int offset, int dim, Provenance provenance) {
        int n = all.rows();
        int d = all.dim();
        float[] src = all.codes().hostData();
        float[] out = new float[n * dim];
        for (int i = 0; i < n; i++) {
            System.arraycopy(src, i * d + offset, out, i * dim, dim);
        }
        return new FeatureSet(Tensor.wrap(Shape.of(n, dim), out), all.labels(), all.files(), all.classes(),
                all.skipped(), all.warnings(), provenance);
    }

    /**
     * The codes of {@code sets} (same rows, same order) side by side, with {@code provenance} and the first set's
     * skipped images and decoder warnings (the same images for all).
     */
    static FeatureSet join(List<FeatureSet> sets, Provenance provenance) {
        FeatureSet first = sets.get(0);
        int n = first.rows();
        int total = 0;
        for (FeatureSet s : sets) {
            if (s.rows() != n || !s.files().equals(first.files())) {
                throw new IllegalArgumentException("codes of other images cannot be joined: " + s.rows() + " and " + n
                        + " rows");
            }
            total += s.dim();
        }
        float[] out = new float[n * total];
        int offset = 0;
        for (FeatureSet s : sets) {
            int d = s.dim();
            float[] src = s.codes().hostData();
            for (int i = 0; i < n; i++) {
                System.arraycopy(src, i * d, out, i * total + offset, d);
            }
            offset += d;
        }
        return new FeatureSet(Tensor.wrap(Shape.of(n, total), out), first.labels(), first.files(), first.classes(),
                first.skipped(), first.warnings(), provenance);
    }

    /** {@code p} describing other layers and pooling (the rest unchanged). */
    static Provenance withLayer(Provenance p, String layer, String pooling) {
        return new Provenance(p.model(), p.weights(), p.weightsSha1(), layer, p.activation(), pooling,
                p.preprocessing(), p.engine(), p.created());
    }
}

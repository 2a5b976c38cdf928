package org.cortado.advise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import org.cortado.data.DecodeWarning;
import org.cortado.data.Skipped;
import org.cortado.features.FeatureSet;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** A layer's columns of a multi-layer code file, and layers joined, keep the images' skipped files and warnings. */
class CodeColumnsTest {
    private static final List<Skipped> SKIPPED = List.of(new Skipped(Path.of("a/huge.png"), "too large"));
    private static final List<DecodeWarning> WARNINGS = List.of(new DecodeWarning(Path.of("b/cut.jpg"), "truncated"));

    private static FeatureSet codes() {
        float[] v = {1, 2, 3, 4, 5, 6};
        return new FeatureSet(Tensor.wrap(Shape.of(2, 3), v), new int[] {0, 1}, List.of("a/x.png", "b/cut.jpg"),
                List.of("a", "b"), SKIPPED, WARNINGS, null);
    }

    @Test
    void sliceAndJoinKeepTheSkippedImagesAndTheDecoderWarnings() {
        FeatureSet slice = CodeColumns.slice(codes(), 1, 2, null);
        assertArrayEquals(new float[] {2, 3, 5, 6}, slice.codes().hostData());
        assertEquals(SKIPPED, slice.skipped());
        assertEquals(WARNINGS, slice.warnings());
        FeatureSet joined = CodeColumns.join(List.of(slice, CodeColumns.slice(codes(), 0, 1, null)), null);
        assertArrayEquals(new float[] {2, 3, 1, 5, 6, 4}, joined.codes().hostData());
        assertEquals(WARNINGS, joined.warnings());
        assertEquals(SKIPPED, joined.skipped());
    }
}

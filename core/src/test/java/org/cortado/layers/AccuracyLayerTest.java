package org.cortado.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.List;
import org.cortado.backend.cpu.CpuBackend;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;
import org.cortado.testing.GradientChecker;
import org.junit.jupiter.api.Test;

class AccuracyLayerTest {
    private final CpuBackend backend = new CpuBackend(1);

    private float accuracy(String param, float[] scores, float[] labels) {
        Layer layer = GradientChecker.layer("type: 'Accuracy' bottom: 'x' bottom: 'label' top: 'acc' " + param);
        Tensor x = Tensor.wrap(Shape.of(labels.length, scores.length / labels.length), scores);
        Tensor label = Tensor.wrap(Shape.of(labels.length), labels);
        layer.reshape(List.of(x.shape(), label.shape()));
        Tensor top = Tensor.zeros(Shape.of());
        layer.forward(backend, Phase.TEST, List.of(x, label), List.of(top));
        return top.hostData()[0];
    }

    private static final float[] SCORES = {
        0.1f, 0.7f, 0.2f, // best 1, second 2
        0.5f, 0.3f, 0.2f, // best 0, second 1
        0.2f, 0.2f, 0.6f, // best 2, tie for second between 0 and 1
        0.4f, 0.4f, 0.2f, // tie for best between 0 and 1
    };

    @Test
    void topOne() {
        assertEquals(0.5f, accuracy("", SCORES, new float[] {1, 1, 2, 0}), "hits: sample 0 and 2; a tie loses");
    }

    @Test
    void topTwoWithTies() {
        // sample 0 label 2 (second): hit; sample 1 label 1 (second): hit; sample 2 label 0 ties 1 for second: the
        // label's rank counts both as better, so 3 >= 2 - miss; sample 3 label 2 (third): miss.
        assertEquals(0.5f, accuracy("accuracy_param { top_k: 2 }", SCORES, new float[] {2, 1, 0, 2}));
    }

    @Test
    void ignoredLabelsAreLeftOut() {
        assertEquals(2f / 3f, accuracy("accuracy_param { ignore_label: -1 }", SCORES, new float[] {1, 0, -1, 2}),
                1e-7f);
    }

    @Test
    void noGradient() {
        assertFalse(GradientChecker.layer("type: 'Accuracy' bottom: 'x' bottom: 'l' top: 'a'").canPropagateTo(0));
    }
}

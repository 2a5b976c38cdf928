package org.cortado.layers;

import static org.cortado.testing.GradientChecker.gaussian;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.cortado.backend.cpu.CpuBackend;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;
import org.cortado.testing.GradientChecker;
import org.junit.jupiter.api.Test;

class CropLayerTest {
    private final GradientChecker checker = new GradientChecker(new CpuBackend(2));


    @Test
    void cropsFromTheAxisOnWithOneOrSeveralOffsets() {
        Tensor x = gaussian(Shape.of(2, 3, 7, 6), 1.0, 1);
        Tensor like = Tensor.zeros(Shape.of(1, 1, 4, 3));
        Tensor same = LayerRun.top("type: 'Crop' bottom: 'x' bottom: 'r' top: 'y' crop_param { offset: 2 }", x, like);
        assertEquals(Shape.of(2, 3, 4, 3), same.shape());
        org.junit.jupiter.api.Assertions.assertArrayEquals(NaiveLayers.crop(x, same.shape(), new int[] {0, 0, 2, 2}),
                same.hostData());
        Tensor each = LayerRun.top("type: 'Crop' bottom: 'x' bottom: 'r' top: 'y' crop_param { axis: 1 offset: 1 "
                + "offset: 3 offset: 0 }", x, Tensor.zeros(Shape.of(1, 2, 4, 5)));
        assertEquals(Shape.of(2, 2, 4, 5), each.shape());
        org.junit.jupiter.api.Assertions.assertArrayEquals(NaiveLayers.crop(x, each.shape(), new int[] {0, 1, 3, 0}),
                each.hostData());
        Tensor none = LayerRun.top("type: 'Crop' bottom: 'x' bottom: 'r' top: 'y' crop_param { axis: 0 }", x,
                Tensor.zeros(Shape.of(1, 2, 3, 4)));
        org.junit.jupiter.api.Assertions.assertArrayEquals(NaiveLayers.crop(x, none.shape(), new int[4]),
                none.hostData());
    }

    @Test
    void gradientIsZeroOutsideTheWindow() {
        checker.check("type: 'Crop' bottom: 'x' bottom: 'r' top: 'y' crop_param { offset: 1 offset: 2 }",
                gaussian(Shape.of(2, 2, 5, 5), 1.0, 2), Tensor.zeros(Shape.of(1, 1, 3, 2)));
    }

    @Test
    void aCropOutsideTheBottomIsRefused() {
        Tensor x = gaussian(Shape.of(1, 1, 5, 5), 1.0, 3);
        var e = assertThrows(NetDefinitionException.class, () -> LayerRun.top("name: 'c' type: 'Crop' bottom: 'x' "
                + "bottom: 'r' top: 'y' crop_param { offset: 2 }", x, Tensor.zeros(Shape.of(1, 1, 4, 4))));
        assertTrue(e.getMessage().startsWith("layer 'c' (Crop)") && e.getMessage().contains("axis 2"), e.getMessage());
        assertThrows(NetDefinitionException.class, () -> LayerRun.top("type: 'Crop' bottom: 'x' bottom: 'r' top: 'y' "
                + "crop_param { offset: 0 offset: 0 offset: 0 }", x, Tensor.zeros(Shape.of(1, 1, 4, 4))));
    }
}

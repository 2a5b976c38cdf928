package org.cortado.layers;

import static org.cortado.testing.GradientChecker.gaussian;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.cortado.backend.cpu.CpuBackend;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;
import org.cortado.testing.GradientChecker;
import org.junit.jupiter.api.Test;

class TileLayerTest {
    private final GradientChecker checker = new GradientChecker(new CpuBackend(2));

    @Test
    void tilesTheBlockFromTheAxisOn() {
        Tensor x = gaussian(Shape.of(2, 3, 2), 1.0, 1);
        Tensor y = LayerRun.top("type: 'Tile' bottom: 'x' top: 'y' tile_param { axis: 1 tiles: 3 }", x);
        assertEquals(Shape.of(2, 9, 2), y.shape());
        // top[n, t * 3 + c, w] = bottom[n, c, w]
        for (int n = 0; n < 2; n++) {
            for (int t = 0; t < 3; t++) {
                for (int c = 0; c < 3; c++) {
                    for (int w = 0; w < 2; w++) {
                        assertEquals(x.hostData()[(n * 3 + c) * 2 + w], y.hostData()[(n * 9 + t * 3 + c) * 2 + w]);
                    }
                }
            }
        }
    }

    @Test
    void gradientSumsTheTiles() {
        checker.check("type: 'Tile' bottom: 'x' top: 'y' tile_param { tiles: 3 }", gaussian(Shape.of(2, 2, 3), 1, 2));
        checker.check("type: 'Tile' bottom: 'x' top: 'y' tile_param { axis: 0 tiles: 2 }",
                gaussian(Shape.of(2, 3), 1, 3));
    }

    @Test
    void tilesAreRequired() {
        assertThrows(NetDefinitionException.class, () -> GradientChecker.layer("type: 'Tile' bottom: 'x' top: 'y'"));
        assertThrows(NetDefinitionException.class,
                () -> GradientChecker.layer("type: 'Tile' bottom: 'x' top: 'y' tile_param { tiles: 0 }"));
    }
}

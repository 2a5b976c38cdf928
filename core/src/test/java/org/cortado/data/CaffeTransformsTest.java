package org.cortado.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.cortado.caffe.CaffeFormatException;
import org.cortado.caffe.MeanFile;
import org.cortado.image.ResizeMode;
import org.cortado.image.TransformSpec;
import org.cortado.layers.Phase;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;
import org.cortado.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CaffeTransformsTest {
    private static final ResizeMode R256 = new ResizeMode.Fixed(256, 256);

    @TempDir
    Path dir;

    @Test
    void squeezenetTestPhaseIsACentreCropWithMeanValues() {
        Path tv = SharedData.require("models/squeezenet_v1.0/train_val.prototxt");
        TransformSpec test = CaffeTransforms.fromTrainVal(tv, Phase.TEST, R256, null);
        assertEquals(227, test.cropHeight());
        assertFalse(test.isRandom());
        assertArrayEquals(new float[] {104, 117, 123}, test.meanValues());
        assertSame(R256, test.resize());
        TransformSpec train = CaffeTransforms.fromTrainVal(tv, Phase.TRAIN, R256, null);
        assertTrue(train.randomCrop() && train.mirror());
    }

    @Test
    void caffenetMeanFileIsLookedUpAndCanBeOverridden() {
        Path tv = SharedData.require("models/caffe/bvlc_reference_caffenet/train_val.prototxt");
        CaffeFormatException e = assertThrows(CaffeFormatException.class,
                () -> CaffeTransforms.fromTrainVal(tv, Phase.TEST, R256, null));
        assertTrue(e.getMessage().contains("imagenet_mean.binaryproto") && e.getMessage().contains("layer 'data'"),
                e.getMessage());
        Path mean = dir.resolve("mean.binaryproto");
        MeanFile.write(mean, Tensor.zeros(Shape.of(3, 256, 256)));
        TransformSpec spec = CaffeTransforms.fromTrainVal(tv, Phase.TEST, R256, mean);
        assertEquals(Shape.of(3, 256, 256), spec.meanImage().shape());
        assertEquals(0, spec.meanValues().length);
    }

    @Test
    void imageDataSizeScaleAndRelativeMeanFile() throws Exception {
        float[] m = new float[3 * 4 * 4];
        java.util.Arrays.fill(m, 9f);
        MeanFile.write(dir.resolve("m.binaryproto"), Tensor.wrap(Shape.of(3, 4, 4), m));
        Path tv = dir.resolve("tv.prototxt");
        Files.writeString(tv, """
                layer { name: "train" type: "ImageData" top: "data" top: "label" include { phase: TRAIN }
                  transform_param { crop_size: 3 mirror: true mean_value: 1 }
                  image_data_param { source: "x.txt" new_height: 5 new_width: 6 } }
                layer { name: "test" type: "ImageData" top: "data" top: "label" include { phase: TEST }
                  transform_param { crop_size: 3 mirror: true mean_file: "m.binaryproto" scale: 0.5 }
                  image_data_param { source: "y.txt" new_height: 4 new_width: 4 } }
                """);
        TransformSpec test = CaffeTransforms.fromTrainVal(tv, Phase.TEST, R256, null);
        assertEquals(new ResizeMode.Fixed(4, 4), test.resize());
        assertEquals(0.5f, test.scale());
        assertFalse(test.isRandom(), "evaluation transforms are deterministic");
        assertEquals(9f, test.meanImage().hostData()[5]);
        TransformSpec train = CaffeTransforms.fromTrainVal(tv, Phase.TRAIN, R256, null);
        assertEquals(new ResizeMode.Fixed(5, 6), train.resize());
        assertArrayEquals(new float[] {1}, train.meanValues());
        assertNull(train.meanImage());
        assertTrue(train.mirror());
    }

    @Test
    void aNetWithoutDataLayersSaysSo() {
        Path deploy = SharedData.require("models/squeezenet_v1.0/deploy.prototxt");
        CaffeFormatException e = assertThrows(CaffeFormatException.class,
                () -> CaffeTransforms.fromTrainVal(deploy, Phase.TEST, R256, null));
        assertTrue(e.getMessage().contains("no data layer"), e.getMessage());
    }
}

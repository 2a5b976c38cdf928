package org.cortado.image;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.cortado.io.Npy;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;
import org.cortado.testing.SharedData;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Our decode + resize + mean subtraction against the exact input blobs OpenCV 4.6 made for the reference outputs
 * ({@code cv2.imread}, {@code cv2.resize} to 227x227 bilinear, minus (104, 117, 123)).
 */
class ReferenceInputTest {
    @ParameterizedTest
    @CsvSource({"cat.jpg, cat", "chelsea.png, chelsea"})
    void matchesOpenCvsInputBlob(String image, String dir) throws Exception {
        Path file = SharedData.require("images/" + image);
        Tensor expected = Npy.read(SharedData.require("reference/squeezenet_v1.0/" + dir + "/input.npy"));
        assertEquals(Shape.of(1, 3, 227, 227), expected.shape());
        ImageTransformer t = new ImageTransformer(TransformSpec.of(new ResizeMode.Fixed(227, 227), 0, 104, 117, 123));
        float[] ours = t.apply(ImageDecoder.decode(file), 0);
        float[] ref = expected.hostData();
        int differ = 0;
        float maxDiff = 0;
        for (int i = 0; i < ref.length; i++) {
            float d = Math.abs(ours[i] - ref[i]);
            if (d > 0) {
                differ++;
            }
            maxDiff = Math.max(maxDiff, d);
        }
        // ImageIO's JPEG decoder is libjpeg 6b, whose integer IDCT and fancy upsampling libjpeg-turbo reproduces.
        assertEquals(0, differ, image + ": " + differ + " values differ, the largest by " + maxDiff);
    }
}

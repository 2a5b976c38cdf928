package org.cortado.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import org.cortado.io.Npy;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;
import org.cortado.testing.SharedData;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Our decode + resize + mean subtraction against the exact input blobs OpenCV 4.6 made for the reference outputs
 * ({@code cv2.imread}, {@code cv2.resize} to 227x227 bilinear, minus (104, 117, 123)), with JPEGs decoded by the native
 * decoder (where it is available) and by ImageIO.
 */
class ReferenceInputTest {
    @ParameterizedTest
    @CsvSource({"cat.jpg, cat, native", "cat.jpg, cat, imageio", "chelsea.png, chelsea, imageio"})
    void matchesOpenCvsInputBlob(String image, String dir, String decoder) throws Exception {
        Path file = SharedData.require("images/" + image);
        if (decoder.equals("native")) {
            assumeTrue(NativeJpeg.available(), () -> "native JPEG decoder not tested: " + NativeJpeg.status());
        }
        Tensor expected = Npy.read(SharedData.require("reference/squeezenet_v1.0/" + dir + "/input.npy"));
        assertEquals(Shape.of(1, 3, 227, 227), expected.shape());
        ImageTransformer t = new ImageTransformer(TransformSpec.of(new ResizeMode.Fixed(227, 227), 0, 104, 117, 123));
        BgrImage decoded = decoder.equals("native") ? ImageDecoder.decode(file) : ImageDecoder.decodeWithImageIO(file);
        float[] ours = t.apply(decoded, 0);
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
        // ImageIO's JPEG decoder is libjpeg (6b as the JDK bundles it, or the system's libjpeg-turbo), whose integer
        // IDCT and fancy upsampling the native decoder's libjpeg-turbo, and OpenCV's, reproduce.
        assertEquals(0, differ, image + ": " + differ + " values differ, the largest by " + maxDiff);
    }
}

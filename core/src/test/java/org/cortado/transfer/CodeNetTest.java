package org.cortado.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import org.cortado.backend.cpu.CpuBackend;
import org.cortado.data.ImageDataset;
import org.cortado.data.ImageFolders;
import org.cortado.data.TestImages;
import org.cortado.features.CodeExtractor;
import org.cortado.features.FeatureSet;
import org.cortado.image.Oversample;
import org.cortado.image.ResizeMode;
import org.cortado.image.TransformSpec;
import org.cortado.layers.NetDefinitionException;
import org.cortado.layers.Phase;
import org.cortado.net.LoadedNet;
import org.cortado.net.Net;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;
import org.cortado.testing.TinyNet;
import org.cortado.util.Progress;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CodeNetTest {
    /** Sums of a few hundred float terms computed in another order (pooling in float, the oracle in double). */
    private static final double SUM_ORDER = 1e-5;

    @TempDir
    Path dir;

    private TinyNet.Files tiny;

    static final InputRecipe CENTRE = InputRecipe.centre(
            TransformSpec.of(new ResizeMode.Fixed(14, 14), TinyNet.INPUT, 120, 110, 100));
    static final InputRecipe OVERSAMPLE = new InputRecipe(CENTRE.transform(), true);

    @BeforeEach
    void net() {
        tiny = TinyNet.write(dir, 7);
    }

    private CodeNet load(CodeSpec spec, InputRecipe input) {
        return CodeNet.load(tiny.deploy(), tiny.caffemodel(), spec, input, new CpuBackend());
    }

    /** {@code n} images of {@code size} x {@code size} with values spread over -120..135. */
    static Tensor images(int n, int size, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] v = new float[n * 3 * size * size];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (rng.nextDouble() * 255 - 120);
        }
        return Tensor.wrap(Shape.of(n, 3, size, size), v);
    }

    /** The whole deploy net's own output of {@code layer} (before in-place layers) on {@code x}. */
    private float[] reference(Tensor x, String layer) {
        Net full = LoadedNet.load(tiny.deploy(), tiny.caffemodel(), Phase.TEST, new CpuBackend()).net();
        full.forward(Map.of("data", x));
        return full.output(layer).hostData();
    }

    @Test
    void postActivationCodesAreTheBlobAfterItsInPlaceReluAndPreActivationBefore() {
        Tensor x = images(3, TinyNet.INPUT, 1);
        CodeNet post = load(new CodeSpec("conv1", CodeSpec.Activation.POST, CodeSpec.Pooling.NONE), CENTRE);
        CodeNet pre = load(new CodeSpec("conv1", CodeSpec.Activation.PRE, CodeSpec.Pooling.NONE), CENTRE);
        assertEquals(6 * 10 * 10, post.dim());
        float[][] a = post.codes(x);
        float[][] b = pre.codes(x);
        float[] ref = reference(x, "conv1");
        boolean negative = false;
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < post.dim(); j++) {
                float r = ref[i * post.dim() + j];
                assertEquals(r, b[i][j], 0f, "pre-activation is conv1's own output");
                assertEquals(Math.max(0f, r), a[i][j], 0f, "post-activation is after relu1 (and drop1)");
                negative |= r < 0;
            }
        }
        assertTrue(negative, "the test needs negative conv1 values to tell pre from post");
    }

    @Test
    void spatialPoolingAveragesOrMaximisesEachMap() {
        Tensor x = images(2, TinyNet.INPUT, 2);
        float[][] flat = load(new CodeSpec("conv2", CodeSpec.Activation.POST, CodeSpec.Pooling.NONE), CENTRE).codes(x);
        CodeNet avgNet = load(CodeSpec.of("conv2"), CENTRE);
        CodeNet maxNet = load(new CodeSpec("conv2", CodeSpec.Activation.POST, CodeSpec.Pooling.MAX), CENTRE);
        assertEquals(8, avgNet.dim());
        assertEquals(CodeNet.POOL_LAYER, avgNet.codeBlob());
        float[][] avg = avgNet.codes(x);
        float[][] max = maxNet.codes(x);
        for (int i = 0; i < 2; i++) {
            for (int c = 0; c < 8; c++) {
                double sum = 0;
                float m = Float.NEGATIVE_INFINITY;
                for (int p = 0; p < 64; p++) {
                    sum += flat[i][c * 64 + p];
                    m = Math.max(m, flat[i][c * 64 + p]);
                }
                assertEquals(sum / 64, avg[i][c], SUM_ORDER * Math.max(1, Math.abs(sum / 64)));
                assertEquals(m, max[i][c], 0f);
            }
        }
    }

    @Test
    void oversampledCodesAreTheMeanOfTheTenCropsCodes() {
        Tensor x = images(2, 14, 3);
        float[][] over = load(CodeSpec.of("conv2"), OVERSAMPLE).codes(x);
        float[][] perCrop = load(CodeSpec.of("conv2"), CENTRE).codes(Oversample.crops(x, 12, 12));
        assertEquals(20, perCrop.length);
        for (int i = 0; i < 2; i++) {
            for (int c = 0; c < 8; c++) {
                double sum = 0;
                for (int v = 0; v < 10; v++) {
                    sum += perCrop[i * 10 + v][c];
                }
                assertEquals(sum / 10, over[i][c], SUM_ORDER * Math.max(1, Math.abs(sum / 10)));
            }
        }
    }

    @Test
    void poolingACodeWithoutSpaceIsTheIdentity() {
        CodeNet fc = load(CodeSpec.of("fc"), CENTRE);
        assertEquals(CodeSpec.Pooling.NONE, fc.pooling());
        assertEquals(5, fc.dim());
        assertEquals("none", fc.provenance().pooling());
    }

    @Test
    void anUnknownLayerIsNamedWithTheNetsLayers() {
        NetDefinitionException e = assertThrows(NetDefinitionException.class,
                () -> load(CodeSpec.of("conv9"), CENTRE));
        assertTrue(e.getMessage().contains("tiny.prototxt") && e.getMessage().contains("'conv9'")
                && e.getMessage().contains("conv1, relu1"), e.getMessage());
    }

    @Test
    void provenanceNamesTheWeightsChecksumLayerAndRecipe() throws Exception {
        CodeNet net = load(CodeSpec.of("conv2"), OVERSAMPLE);
        var p = net.provenance();
        assertEquals(org.cortado.weights.Fetcher.digest(tiny.caffemodel(), "SHA-1"), p.weightsSha1());
        assertEquals("conv2", p.layer());
        assertEquals("post", p.activation());
        assertEquals("avg", p.pooling());
        assertTrue(p.preprocessing().contains("10 crops") && p.preprocessing().contains("resize 14x14"),
                p.preprocessing());
        assertTrue(p.engine().startsWith("cortado "), p.engine());
    }

    @Test
    void aCompleteFeatureFileIsKeptOnResumeAndRecomputedWithout() throws Exception {
        ImageDataset data = ImageFolders.scan(TestImages.stripeFolders(dir.resolve("data"), 3, 0));
        CodeNet net = load(CodeSpec.of("conv2"), OVERSAMPLE);
        Path npy = dir.resolve("codes.npy");
        CodeExtractor.Options options = new CodeExtractor.Options(2, 2, 4);
        FeatureSet first = net.extract(data, npy, options, quiet(), false);
        assertEquals(6, first.rows());
        Object written = fileKey(npy);
        CodeNet other = load(new CodeSpec("conv2", CodeSpec.Activation.POST, CodeSpec.Pooling.MAX), OVERSAMPLE);
        assertNull(CodeExtractor.existing(npy, data, other.provenance()), "codes made otherwise do not match");

        FeatureSet resumed = net.extract(data, npy, options, quiet(), true);
        assertEquals(written, fileKey(npy), "a complete file with the same codes is kept");
        assertEquals(first.files(), resumed.files());
        net.extract(data, npy, options, quiet(), false);
        // Atomic writes replace the file: a new file means the codes were computed again.
        assertNotEquals(written, fileKey(npy), "without resume the codes are computed afresh");
        assertFalse(CodeExtractor.discardPartial(npy), "nothing partial left");
    }

    private static Object fileKey(Path p) throws java.io.IOException {
        return java.nio.file.Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
    }

    private static Progress quiet() {
        return new Progress("codes", "img", -1, System.err, Progress.Mode.QUIET, System::nanoTime, 0);
    }
}

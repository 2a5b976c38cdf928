package org.cortado.transfer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.cortado.backend.cpu.CpuBackend;
import org.cortado.caffe.Prototxt;
import org.cortado.data.Batch;
import org.cortado.data.BatchLoader;
import org.cortado.data.ImageDataset;
import org.cortado.data.ImageFolders;
import org.cortado.data.TestImages;
import org.cortado.features.CodeExtractor;
import org.cortado.features.FeatureSet;
import org.cortado.heads.HeadSpec;
import org.cortado.heads.HeadType;
import org.cortado.heads.Preprocessing;
import org.cortado.heads.TrainedHead;
import org.cortado.image.ImageTransformer;
import org.cortado.image.Oversample;
import org.cortado.image.ResizeMode;
import org.cortado.image.TransformSpec;
import org.cortado.io.Npy;
import org.cortado.tensor.Tensor;
import org.cortado.testing.TinyNet;
import org.cortado.util.Progress;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The exported classifier, read back by our reader and by OpenCV's dnn module, predicts what the head predicts. */
class HeadExportTest {
    /** float32 InnerProduct and Softmax against the head's double arithmetic on the same float codes. */
    private static final double PROBABILITY = 1e-5;
    /** OpenCV against our engine on the whole exported net, both fp32 (as ReferenceParityTest's bound). */
    private static final double OPENCV = 1e-4;

    @TempDir
    Path dir;

    private record Setup(CodeNet codes, FeatureSet train, FeatureSet val, ImageDataset valImages) {
    }

    private Setup setup(boolean oversample) {
        TinyNet.Files tiny = TinyNet.write(dir, 11);
        TransformSpec t = TransformSpec.of(new ResizeMode.Fixed(14, 14), TinyNet.INPUT, 110, 100, 90);
        CodeNet codes = CodeNet.load(tiny.deploy(), tiny.caffemodel(), CodeSpec.of("conv2"),
                new InputRecipe(t, oversample), new CpuBackend());
        ImageDataset train = ImageFolders.scan(TestImages.stripeFolders(dir.resolve("train"), 6, 0));
        ImageDataset val = ImageFolders.scan(TestImages.stripeFolders(dir.resolve("val"), 5, 20));
        CodeExtractor.Options options = new CodeExtractor.Options(3, 2, 8);
        FeatureSet tr = codes.extract(train, dir.resolve("train.npy"), options, quiet(), false);
        FeatureSet va = codes.extract(val, dir.resolve("val.npy"), options, quiet(), false);
        return new Setup(codes, tr, va, val);
    }

    private static Progress quiet() {
        return new Progress("codes", "img", -1, System.err, Progress.Mode.QUIET, System::nanoTime, 0);
    }

    /** The export's probabilities of every validation image, through the loader as the codes were made. */
    private static float[][] exportedProbabilities(Setup s, Path exportDir) {
        ExportedModel model = ExportedModel.load(exportDir, s.codes().input(), new CpuBackend());
        List<float[]> rows = new ArrayList<>();
        try (BatchLoader loader = BatchLoader.of(s.valImages().samples(),
                new ImageTransformer(s.codes().input().loaderTransform()), 4, 2)) {
            while (loader.hasNext()) {
                Batch b = loader.next();
                rows.addAll(List.of(model.probabilities(b.data())));
            }
        }
        return rows.toArray(new float[0][]);
    }

    @ParameterizedTest
    @CsvSource({"SOFTMAX, false", "SOFTMAX, true", "SVM, true"})
    void theExportReproducesTheHeadsValidationPredictions(HeadType type, boolean oversample) {
        Setup s = setup(oversample);
        TrainedHead head = TrainedHead.fit(HeadSpec.defaults(type), s.train());
        Path out = dir.resolve("export");
        HeadExport.Exported files = HeadExport.write(s.codes(), head, s.train().classes(), out);
        assertTrue(Files.isRegularFile(files.caffemodel()) && Files.isRegularFile(files.recipe()));

        float[][] probs = exportedProbabilities(s, out);
        float[][] codes = s.val().rowArrays();
        assertEquals(codes.length, probs.length);
        int[] expected = head.predict(codes);
        assertArrayEquals(expected, ExportedModel.argmax(probs), "exported predictions on the validation set");
        double[][] scores = head.scores(codes);
        for (int i = 0; i < codes.length; i++) {
            double[] p = Transfer.softmax(scores[i]);
            for (int k = 0; k < p.length; k++) {
                assertEquals(p[k], probs[i][k], PROBABILITY, "image " + i + " class " + k);
            }
        }
        assertTrue(head.evaluate(s.val()).accuracy() > 0.5, "the stripes must be learnable for this test to bite");
    }

    @Test
    void theDeployNetIsTheCodeNetWithAnInnerProductAndASoftmax() throws IOException {
        Setup s = setup(true);
        TrainedHead head = TrainedHead.fit(HeadSpec.defaults(HeadType.SOFTMAX), s.train());
        HeadExport.Exported files = HeadExport.write(s.codes(), head, s.train().classes(), dir.resolve("e"));
        var def = Prototxt.readNet(files.deploy());
        List<String> names = def.getLayerList().stream().map(l -> l.getName()).toList();
        assertEquals(List.of("data", "conv1", "relu1", "drop1", "conv2", "relu2", CodeNet.POOL_LAYER,
                CodeNet.VIEWS_LAYER, CodeNet.VIEW_MEAN_LAYER, HeadExport.HEAD_LAYER, HeadExport.PROB_LAYER), names);
        assertEquals(10, def.getLayer(0).getInputParam().getShape(0).getDim(0), "one image's ten crops per batch");
        assertEquals(List.of("stripes_h", "stripes_v"), Files.readAllLines(files.labels()));
    }

    @Test
    void l2NormalisedHeadsAreRefusedWithWhatExports() {
        Setup s = setup(false);
        TrainedHead head = TrainedHead.fit(HeadSpec.defaults(HeadType.SOFTMAX)
                .withPreprocessing(Preprocessing.L2), s.train());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> HeadExport.write(s.codes(), head, s.train().classes(), dir.resolve("l2")));
        assertTrue(e.getMessage().contains("L2") && e.getMessage().contains("standardize"), e.getMessage());
        assertTrue(Files.notExists(dir.resolve("l2")), "nothing written");
    }

    @Test
    void openCvLoadsTheExportAndAgrees() throws Exception {
        String python = pythonWithOpenCv();
        Assumptions.assumeTrue(python != null, "no python3 with cv2 (Debian: python3-opencv); OpenCV check skipped");
        Setup s = setup(true);
        TrainedHead head = TrainedHead.fit(HeadSpec.defaults(HeadType.SOFTMAX), s.train());
        Path out = dir.resolve("export");
        HeadExport.write(s.codes(), head, s.train().classes(), out);
        Path script = dir.resolve("opencv_forward.py");
        try (InputStream in = HeadExportTest.class.getResourceAsStream("opencv_forward.py")) {
            Files.copy(in, script);
        }
        // All validation images in one OpenCV run: the Reshape's -1 makes a batch of 10 N crops N images.
        ImageTransformer transformer = new ImageTransformer(s.codes().input().loaderTransform());
        Tensor images;
        try (BatchLoader loader = BatchLoader.of(s.valImages().samples(), transformer, s.valImages().size(), 1)) {
            images = loader.next().data();
        }
        Path in = dir.resolve("in.npy");
        Path result = dir.resolve("out.npy");
        Npy.write(in, Oversample.crops(images, TinyNet.INPUT, TinyNet.INPUT));
        run(python, script.toString(), out.resolve(HeadExport.DEPLOY).toString(),
                out.resolve(HeadExport.CAFFEMODEL).toString(), in.toString(), result.toString());
        Tensor cv = Npy.read(result);
        float[][] ours = ExportedModel.load(out, s.codes().input(), new CpuBackend()).probabilities(images);
        assertEquals(org.cortado.tensor.Shape.of(10, 2), cv.shape());
        for (int i = 0; i < 10; i++) {
            for (int k = 0; k < 2; k++) {
                assertEquals(ours[i][k], cv.hostData()[i * 2 + k], OPENCV, "image " + i + " class " + k);
            }
        }
    }

    static String pythonWithOpenCv() {
        return org.cortado.testing.PythonOpenCv.find();
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "OpenCV timed out");
        assertEquals(0, p.exitValue(), "OpenCV failed: " + output);
    }
}

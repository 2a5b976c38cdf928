package org.cortado.finetune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.cortado.backend.cpu.CpuBackend;
import org.cortado.caffe.CaffeModelReader;
import org.cortado.data.CaffeDataLayers;
import org.cortado.data.DatasetException;
import org.cortado.layers.NetDefinitionException;
import org.cortado.layers.Phase;
import org.cortado.net.Net;
import org.cortado.net.NetDefinition;
import org.cortado.net.NetWeights;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;
import org.cortado.testing.Hdf5Files;
import org.cortado.testing.TinyFineTuning;
import org.cortado.testing.TinyImages;
import org.cortado.testing.TinyNets;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fine-tuning under the train_val's SigmoidCrossEntropyLoss and EuclideanLoss on HDF5 rows written here, whose
 * targets are learnable from the inputs: each row is three constant channels a_0..a_2 (drawn in [-1, 1]) plus
 * noise; the regression targets are a fixed linear function of the a_c, the multi-label targets their signs.
 */
class FineTunerTargetsTest {
    @TempDir
    static Path dir;
    static Path deploy;
    static Path linearDeploy;
    static Path weights;
    static float[][][][] valRows;

    private final CpuBackend backend = new CpuBackend(2);

    @BeforeAll
    static void material() throws Exception {
        // Dropout over 16 channels of a random net drowns the signal of a few dozen rows (as in FineTunerTest).
        String net = TinyNets.DEPLOY.replace("dropout_ratio: 0.5", "dropout_ratio: 0");
        deploy = Files.writeString(dir.resolve("tiny.prototxt"), net);
        // Regression outputs may be negative: no ReLU after the classifier.
        linearDeploy = Files.writeString(dir.resolve("tiny-linear.prototxt"), net.replace(
                "layer { name: \"relu_final\" type: \"ReLU\" bottom: \"conv_final\" top: \"conv_final\" }", ""));
        weights = dir.resolve("tiny.caffemodel");
        TinyImages.writeTinyWeights(weights, 9);
        for (String split : new String[] {"train", "val"}) {
            int n = split.equals("train") ? 240 : 60;
            SplittableRandom rng = new SplittableRandom(split.equals("train") ? 1 : 2);
            float[][][][] data = new float[n][3][8][8];
            float[][] regression = new float[n][2];
            float[][] labels = new float[n][3];
            for (int i = 0; i < n; i++) {
                double[] a = new double[3];
                for (int c = 0; c < 3; c++) {
                    a[c] = rng.nextDouble(-1, 1);
                    for (int y = 0; y < 8; y++) {
                        for (int x = 0; x < 8; x++) {
                            data[i][c][y][x] = (float) (a[c] + 0.1 * rng.nextGaussian());
                        }
                    }
                    labels[i][c] = a[c] > 0 ? 1 : 0;
                }
                regression[i][0] = (float) (2 * a[0] - a[1] + 0.5);
                regression[i][1] = (float) (a[2] - a[0]);
            }
            valRows = split.equals("val") ? data : valRows;
            Hdf5Files.write(dir.resolve("h5/" + split + "_reg.h5"), Map.of("data", data, "label", regression));
            Hdf5Files.write(dir.resolve("h5/" + split + "_ml.h5"), Map.of("data", data, "label", labels));
            Files.writeString(dir.resolve(split + "_reg.txt"), "h5/" + split + "_reg.h5\n");
            Files.writeString(dir.resolve(split + "_ml.txt"), "h5/" + split + "_ml.h5\n");
        }
    }

    /** A train_val of two HDF5Data layers over {@code train} and {@code test} lists, then {@code loss}. */
    static Path trainVal(String name, String train, String test, String loss) throws Exception {
        String layer = "layer { name: \"h5\" type: \"HDF5Data\" top: \"data\" top: \"label\" include { phase: %s } "
                + "hdf5_data_param { source: \"%s\" batch_size: 10 } }\n";
        return Files.writeString(dir.resolve(name), "name: \"tiny\"\n" + layer.formatted("TRAIN",
                dir.resolve(train)) + layer.formatted("TEST", dir.resolve(test)) + loss);
    }

    static String loss(String type) {
        return "layer { name: \"loss\" type: \"" + type + "\" bottom: \"pool_final\" bottom: \"label\" top: \"loss\" "
                + "}\n";
    }

    /**
     * The tiny recipe at a tenth of its rate: a squared error's gradient grows with the error, and at the softmax
     * tests' rate the first steps of every layer undo the probe.
     */
    FineTuneConfig.Builder config(Path model, Path trainVal) {
        var train = CaffeDataLayers.read(trainVal, Phase.TRAIN, null, null);
        var val = CaffeDataLayers.read(trainVal, Phase.TEST, null, null);
        return FineTuneConfig.builder().model(model, weights).data(train.source(), val.source()).replace("conv_final")
                .trainVal(trainVal).transforms(train.transform(), val.transform()).batchSize(train.batchSize())
                .epochs(4).seed(3).headLrMult(1f).decodeThreads(1)
                .solver(TinyFineTuning.config(model, weights, dir).build().solver().withBaseLr(1e-3f));
    }

    @Test
    void regressionLearnsWellBelowTheMeanBaseline() throws Exception {
        Path tv = trainVal("reg.prototxt", "train_reg.txt", "val_reg.txt", loss("EuclideanLoss"));
        Path report = dir.resolve("reg.json");
        FineTuneResult r = FineTuner.run(config(linearDeploy, tv).report(report).build(), backend,
                new FineTuneListener() { });
        assertEquals("euclidean", r.objective());
        assertNull(r.valAccuracy());
        TargetMetrics m = r.valTargets();
        assertEquals(TargetMetrics.REGRESSION, m.kind());
        assertEquals(60, m.rows());
        assertEquals(2, m.outputs());
        // The targets' variance is about 2: predicting the train mean gives an MSE near it.
        assertTrue(m.baselineMse() > 0.5, m.toString());
        assertTrue(m.mse() < 0.25 * m.baselineMse(), m.toString());
        assertEquals(Math.sqrt(m.mse()), m.rmse(), 1e-12);
        // The probe (ridge regression) alone already beats the baseline.
        TargetMetrics probe = r.history().get(0).valTargets();
        assertTrue(probe.mse() < 0.5 * probe.baselineMse(), probe.toString());
        assertTrue(r.linearProbe().optimizer().startsWith("ridge regression"), r.linearProbe().toString());
        // The best epoch is the one of the lowest MSE.
        double lowest = r.history().stream().mapToDouble(e -> e.valTargets().mse()).min().orElseThrow();
        assertEquals(lowest, r.bestValTargets().mse());
        // Caffe's EuclideanLoss is 1/(2N) sum of squares: K/2 times the MSE over every value.
        assertEquals(m.mse(), r.history().get(r.history().size() - 1).valLoss(), 1e-5);
        JsonNode json = new ObjectMapper().readTree(report.toFile());
        assertTrue(json.get("val_accuracy").isNull());
        assertEquals("euclidean", json.get("objective").asText());
        assertTrue(json.get("history").get(1).get("val_targets").has("baseline_mse"), json.toString());
        JsonNode p = json.get("val_predictions").get(0);
        assertEquals(2, p.get("target").size());
        assertEquals(2, p.get("output").size());
    }

    @Test
    void multiLabelLearnsAboveTheMajorityBaseline() throws Exception {
        Path tv = trainVal("ml.prototxt", "train_ml.txt", "val_ml.txt", loss("SigmoidCrossEntropyLoss"));
        Path export = dir.resolve("ml-export");
        FineTuneResult r = FineTuner.run(config(deploy, tv).export(export).build(), backend,
                new FineTuneListener() { });
        assertEquals("sigmoid_cross_entropy", r.objective());
        TargetMetrics m = r.valTargets();
        assertEquals(TargetMetrics.MULTI_LABEL, m.kind());
        assertEquals(3, m.labelAccuracy().size());
        assertTrue(m.meanLabelAccuracy() >= m.baselineMeanLabelAccuracy() + 0.2, m.toString());
        assertTrue(m.exactMatch() > m.baselineExactMatch() + 0.2, m.toString());
        // Several labels at once are not one-hot: no argmax accuracy.
        assertNull(m.argmaxAccuracy());
        assertTrue(r.linearProbe().optimizer().startsWith("logistic regression per label"));
        // The ReLU after the tiny net's classifier: the probe's outputs are lifted above it and lowered after the
        // pooling, so the net starts where the probe is (unlifted, the ReLU clipped positions: 0.63 here).
        assertTrue(r.linearProbe().reluOffset() > 0);
        TargetMetrics start = r.history().get(0).valTargets();
        assertTrue(start.meanLabelAccuracy() >= 0.75, start.toString());
        // The exported net, with its fixed unshift, gives the run's outputs for a validation row.
        String exported = Files.readString(export.resolve("deploy.prototxt"));
        assertTrue(exported.contains("conv_final_ft/unshift"), exported);
        Net net = Net.build(NetDefinition.read(export.resolve("deploy.prototxt")), Phase.TEST, backend);
        NetWeights.copy(CaffeModelReader.read(export.resolve("finetuned.caffemodel")), net);
        int row = 7;
        float[] input = new float[3 * 64];
        for (int c = 0; c < 3; c++) {
            for (int k = 0; k < 64; k++) {
                input[c * 64 + k] = valRows[row][c][k / 8][k % 8];
            }
        }
        net.forward(Map.of("data", Tensor.wrap(Shape.of(1, 3, 8, 8), input)));
        float[] out = backend.download(net.blob("pool_final")).hostData();
        @SuppressWarnings("unchecked")
        List<Double> probability = (List<Double>) r.valPredictions().get(row).get("probability");
        for (int c = 0; c < 3; c++) {
            assertEquals(probability.get(c), 1 / (1 + Math.exp(-out[c])), 1e-5, "output " + c);
        }
    }

    @Test
    void withoutTheProbeTheRegressionStartsAtTheFillers() throws Exception {
        Path tv = trainVal("reg2.prototxt", "train_reg.txt", "val_reg.txt", loss("EuclideanLoss"));
        FineTuneResult r = FineTuner.run(config(linearDeploy, tv).linearProbe(false).epochs(1).build(), backend,
                new FineTuneListener() { });
        assertNull(r.linearProbe());
        TargetMetrics start = r.history().get(0).valTargets();
        assertTrue(start.mse() > 0.5 * start.baselineMse(), start.toString());
    }

    @Test
    void badTargetsAndLossesAreRefusedInOneLine() throws Exception {
        float[][][][] data = new float[2][3][8][8];
        Hdf5Files.write(dir.resolve("h5/big.h5"), Map.of("data", data, "label", new float[][] {{0, 1.5f}, {1, 0}}));
        Files.writeString(dir.resolve("big.txt"), "h5/big.h5");
        Hdf5Files.write(dir.resolve("h5/nan.h5"), Map.of("data", data, "label", new float[][] {{0, Float.NaN},
                {1, 0}}));
        Files.writeString(dir.resolve("nan.txt"), "h5/nan.h5");
        Hdf5Files.write(dir.resolve("h5/wide.h5"), Map.of("data", data, "label", new float[][] {{0, 1, 0},
                {1, 0, 1}}));
        Files.writeString(dir.resolve("wide.txt"), "h5/wide.h5");

        String big = refusal(trainVal("big.prototxt", "big.txt", "val_reg.txt", loss("SigmoidCrossEntropyLoss")));
        assertTrue(big.contains("big.h5: dataset 'label' (2 x 2) row 0 value 1 is 1.5; SigmoidCrossEntropyLoss "
                + "targets are probabilities in [0, 1]"), big);
        String nan = refusal(trainVal("nan.prototxt", "nan.txt", "val_reg.txt", loss("EuclideanLoss")));
        assertTrue(nan.contains("nan.h5: dataset 'label' (2 x 2) row 0 value 1 is NaN; EuclideanLoss targets are "
                + "finite real values"), nan);
        String wide = refusal(trainVal("wide.prototxt", "train_reg.txt", "wide.txt", loss("EuclideanLoss")));
        assertTrue(wide.contains("wide.h5: dataset 'label' is 2 x 3: 3 targets per row, the training set's has 2"),
                wide);
        String hinge = refusal(trainVal("hinge.prototxt", "train_reg.txt", "val_reg.txt", loss("HingeLoss")));
        assertTrue(hinge.contains("loss layer 'loss' is HingeLoss; fine-tuning trains under SoftmaxWithLoss, "
                + "SigmoidCrossEntropyLoss or EuclideanLoss"), hinge);
        // A softmax classifier with vectors for labels.
        String softmax = refusal(trainVal("softmax.prototxt", "train_reg.txt", "val_reg.txt",
                loss("SoftmaxWithLoss")));
        assertTrue(softmax.contains("train_reg.h5: dataset 'label' is 240 x 2: 2 values per row; a softmax classifier "
                + "needs one class index per row"), softmax);
        // Image folders give class labels, not targets.
        TinyImages.write(dir.resolve("images"), 4, 2, 5);
        Path tv = trainVal("folders.prototxt", "train_reg.txt", "val_reg.txt", loss("EuclideanLoss"));
        var e = assertThrows(IllegalArgumentException.class, () -> FineTuner.run(config(linearDeploy, tv)
                .data(dir.resolve("images/train"), dir.resolve("images/val")).build(), backend,
                new FineTuneListener() { }));
        assertTrue(e.getMessage().contains("loss layer 'loss' is EuclideanLoss, which trains on a target vector per "
                + "row from HDF5Data layers; " + dir.resolve("images/train") + " gives class labels"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    private String refusal(Path trainVal) {
        RuntimeException e = assertThrows(RuntimeException.class, () -> FineTuner.run(config(linearDeploy, trainVal)
                .build(), backend, new FineTuneListener() { }));
        assertTrue(e instanceof DatasetException || e instanceof NetDefinitionException, e.toString());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage();
    }
}

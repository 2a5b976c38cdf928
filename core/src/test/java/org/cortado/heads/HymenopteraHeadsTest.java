package org.cortado.heads;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.cortado.backend.cpu.CpuBackend;
import org.cortado.data.ImageFolders;
import org.cortado.data.TrainValSplit;
import org.cortado.features.CodeExtractor;
import org.cortado.features.CodeFunction;
import org.cortado.features.FeatureSet;
import org.cortado.features.Provenance;
import org.cortado.image.ImageTransformer;
import org.cortado.image.ResizeMode;
import org.cortado.image.TransformSpec;
import org.cortado.layers.Phase;
import org.cortado.net.LoadedNet;
import org.cortado.net.Net;
import org.cortado.tensor.Tensor;
import org.cortado.testing.SharedData;
import org.cortado.util.Progress;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The heads on real codes, end to end: SqueezeNet v1.0 codes from fire9/concat (post-ReLU, averaged over space to
 * 512-D) of the ants-vs-bees set, images resized to 227x227 as the OpenCV peers did, standardised, C by 5-fold
 * cross-validation on the training set.
 *
 * <p>Measured (2 cores): softmax chose C = 0.00316, val 0.889; SVM (squared hinge) chose C = 0.001, val 0.895. The
 * training-set CV prefers C around 1e-3 to 1e-2 while the validation set favours weaker regularisation (C >= 0.01
 * gives 0.935 for the SVM, the peers' 0.935-0.941 with scikit-learn's default C = 1). The acceptance figure belongs
 * to {@code ./cortado transfer}; this test guards against broken codes or heads (chance is 0.54).
 */
@Tag("slow")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HymenopteraHeadsTest {
    /** Far above chance (0.54, the bees' share) and below every configuration measured (0.889 and up). */
    private static final double FLOOR = 0.85;

    private FeatureSet train;
    private FeatureSet val;

    /**
     * Average of fire9/concat over space: (N, 512, 13, 13) to N x 512. The concat's own output: its inputs are
     * already ReLU'd, and the in-place drop9 that follows is the identity at test time.
     */
    private static CodeFunction squeezenetCodes(Net net) {
        return batch -> {
            net.forwardTo(Map.of("data", batch), "fire9/concat");
            Tensor blob = net.backend().download(net.output("fire9/concat"));
            int n = blob.shape().dim(0);
            int c = blob.shape().dim(1);
            int hw = blob.shape().countFrom(2);
            float[] d = blob.hostData();
            float[][] out = new float[n][c];
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < c; k++) {
                    double s = 0;
                    for (int p = 0; p < hw; p++) {
                        s += d[(i * c + k) * hw + p];
                    }
                    out[i][k] = (float) (s / hw);
                }
            }
            return out;
        };
    }

    @BeforeAll
    void extract(@TempDir Path dir) {
        Path model = SharedData.require("models/squeezenet_v1.0");
        Path data = SharedData.require("data/hymenoptera");
        Net net = LoadedNet.load(model.resolve("deploy.prototxt"), model.resolve("squeezenet_v1.0.caffemodel"),
                Phase.TEST, new CpuBackend()).net();
        TrainValSplit tv = ImageFolders.trainVal(data.resolve("train"), data.resolve("val"));
        TransformSpec spec = TransformSpec.of(new ResizeMode.Fixed(227, 227), 0, 104, 117, 123);
        CodeExtractor ex = new CodeExtractor(new ImageTransformer(spec), squeezenetCodes(net),
                new CodeExtractor.Options(16, 2, 64));
        Provenance prov = new Provenance("squeezenet_v1.0/deploy.prototxt", "squeezenet_v1.0.caffemodel", null,
                "fire9/concat", "post", "avg", spec.describe(), "cortado test", null);
        long t0 = System.nanoTime();
        train = ex.extract(tv.train(), dir.resolve("train.npy"), prov, Progress.onStderr("train codes", "img", 245, false));
        val = ex.extract(tv.val(), dir.resolve("val.npy"), prov, Progress.onStderr("val codes", "img", 153, false));
        System.out.printf("codes of %d + %d images in %.1f s; skipped %s%n", train.rows(), val.rows(),
                (System.nanoTime() - t0) / 1e9, train.skipped());
    }

    @ParameterizedTest
    @EnumSource(HeadType.class)
    void classifiesAntsAndBees(HeadType type) {
        long t0 = System.nanoTime();
        TrainedHead head = TrainedHead.fit(HeadSpec.crossValidated(type), train.rowArrays(), train.labels(), 2);
        Evaluation ev = head.evaluate(val.rowArrays(), val.labels());
        Evaluation tr = head.evaluate(train.rowArrays(), train.labels());
        System.out.printf("%s: C %.3g, train %.4f, val %.4f (%d/%d), fit %.1f s; %s%n", type, head.c(),
                tr.accuracy(), ev.accuracy(), Math.round(ev.accuracy() * ev.count()), ev.count(),
                (System.nanoTime() - t0) / 1e9, head.optimizerSummary());
        for (CrossValidation.Candidate c : head.crossValidation().candidates()) {
            System.out.printf("   C %.3g: cv %.4f +- %.4f%n", c.c(), c.meanAccuracy(), c.stdAccuracy());
        }
        assertTrue(ev.accuracy() >= FLOOR, type + " val accuracy " + ev.accuracy());
    }
}

package org.cortado.finetune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.cortado.backend.cpu.CpuBackend;
import org.cortado.caffe.CaffeModelReader;
import org.cortado.caffe.CaffeWeights;
import org.cortado.layers.Param;
import org.cortado.net.Net;
import org.cortado.net.NetWeights;
import org.cortado.net.proto.NetProtos;
import org.cortado.testing.TinyFineTuning;
import org.cortado.testing.TinyImages;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** End to end on a tiny net and a tiny data set: a few dozen iterations, seconds on one core. */
class FineTunerTest {
    @TempDir
    static Path dir;
    static Path deploy;
    static Path deployWithoutDropout;
    static Path weights;

    private final CpuBackend backend = new CpuBackend(2);

    @BeforeAll
    static void material() throws Exception {
        TinyImages.write(dir.resolve("data"), 12, 6, 5);
        deploy = dir.resolve("tiny.prototxt");
        Files.writeString(deploy, org.cortado.testing.TinyNets.DEPLOY);
        deployWithoutDropout = dir.resolve("tiny-no-dropout.prototxt");
        Files.writeString(deployWithoutDropout,
                org.cortado.testing.TinyNets.DEPLOY.replace("dropout_ratio: 0.5", "dropout_ratio: 0"));
        weights = dir.resolve("tiny.caffemodel");
        TinyImages.writeTinyWeights(weights, 9);
    }

    static FineTuneConfig.Builder config() {
        return config(deploy, weights, dir.resolve("data"));
    }

    /** The tiny recipe: 8x8 inputs, batches of 5, a rate for the tiny net's small activations. */
    static FineTuneConfig.Builder config(Path deploy, Path weights, Path data) {
        return TinyFineTuning.config(deploy, weights, data);
    }

    @Test
    void trainsFromTheProbeAndTheTrainingLossFalls() {
        // Dropout over 16 channels of a random net drowns the signal of 24 images; the other tests keep it.
        FineTuneResult r = FineTuner.run(config().model(deployWithoutDropout, weights).epochs(6)
                .solver(FineTuneRecipe.solver().withBaseLr(1e-4f)).headLrMult(10f).build(), backend,
                new FineTuneListener() {});
        assertEquals(7, r.history().size(), "epoch 0 (the probe) and six epochs");
        assertEquals(24, r.nTrain());
        assertEquals(12, r.nVal());
        assertEquals(30, r.iterations(), "ceil(24 / 5) = 5 iterations per epoch");
        EpochRecord first = r.history().get(1);
        EpochRecord last = r.history().get(6);
        assertTrue(last.trainLoss() < first.trainLoss(), "training loss falls: " + r.history());
        assertTrue(last.valAccuracy() >= r.history().get(0).valAccuracy(), "no worse than the probe: " + r.history());
    }

    @Test
    void probeIsFoldedIntoTheNetExactly() {
        Net[] seen = new Net[1];
        double[] trainAccuracy = {-1};
        FineTuneConfig cfg = config().epochs(1).build();
        FineTuneResult r = FineTuner.run(cfg, backend, new FineTuneListener() {
            @Override
            public void built(Net net) {
                seen[0] = net;
            }

            @Override
            public void epoch(EpochRecord record, int epochs) {
                if (record.epoch() == 0) {
                    trainAccuracy[0] = accuracyOnTrain(seen[0], cfg);
                }
            }
        });
        assertNotNull(r.linearProbe());
        assertEquals(r.linearProbe().trainAccuracy(), trainAccuracy[0], 1e-9,
                "the net with the probe's weights classifies the training images as the head did");
        assertTrue(r.linearProbe().reluOffset() > 0, "conv_final is followed by a ReLU");
    }

    /** The net's accuracy on the training images, deterministic transform, TEST mode. */
    private static double accuracyOnTrain(Net net, FineTuneConfig cfg) {
        try {
            return accuracyOn(net, cfg);
        } catch (org.cortado.image.ImageDecodeException e) {
            throw new AssertionError(e);
        }
    }

    private static double accuracyOn(Net net, FineTuneConfig cfg) throws org.cortado.image.ImageDecodeException {
        var transform = new org.cortado.image.ImageTransformer(cfg.trainTransform().deterministic());
        var data = cfg.train().open(null);
        net.setMode(org.cortado.layers.Phase.TEST);
        int correct = 0;
        for (var sample : data.samples()) {
            float[] chw = transform.apply(org.cortado.image.ImageDecoder.decode(sample.file()), 0);
            net.forward(Map.of("data", org.cortado.tensor.Tensor.wrap(org.cortado.tensor.Shape.of(1, 3, 8, 8), chw),
                    "label", org.cortado.tensor.Tensor.wrap(org.cortado.tensor.Shape.of(1),
                            new float[] {sample.label()})));
            float[] scores = net.blob("pool_final").hostData();
            correct += (scores[1] > scores[0] ? 1 : 0) == sample.label() ? 1 : 0;
        }
        return (double) correct / data.size();
    }

    @Test
    void reportsAndExportsANetThatPredictsTheSame(@TempDir Path out) throws Exception {
        FineTuneResult r = FineTuner.run(config().epochs(2).report(out.resolve("report.json"))
                .export(out.resolve("export")).build(), backend, new FineTuneListener() {});
        for (EpochRecord e : r.history()) {
            assertTrue(Double.isFinite(e.valLoss()), e.toString());
        }
        String report = Files.readString(out.resolve("report.json"));
        for (String field : List.of("\"val_accuracy\"", "\"train_accuracy\"", "\"n_train\"", "\"n_val\"",
                "\"skipped\"", "\"history\"", "\"best_val_accuracy\"", "\"linear_probe\"")) {
            assertTrue(report.contains(field), field + " in " + report);
        }
        String deploy = Files.readString(Path.of(r.exported().get("deploy")));
        assertTrue(deploy.contains("conv_final_ft/standardize") && deploy.contains("\"prob\""), deploy);

        // The exported deploy net, read back by our reader, predicts every validation image as the run did.
        Net exported = NetProtos.build(org.cortado.caffe.Prototxt.readNet(Path.of(r.exported().get("deploy"))),
                org.cortado.layers.Phase.TEST, backend);
        NetWeights.copy(CaffeModelReader.read(Path.of(r.exported().get("caffemodel"))), exported);
        var transform = new org.cortado.image.ImageTransformer(config().build().evalTransform());
        assertEquals(12, r.valPredictions().size());
        for (Map<String, Object> p : r.valPredictions()) {
            var img = org.cortado.image.ImageDecoder.decode(Path.of((String) p.get("file")));
            float[] chw = transform.apply(img, 0);
            exported.forward(Map.of("data", org.cortado.tensor.Tensor.wrap(
                    org.cortado.tensor.Shape.of(1, 3, 8, 8), chw)));
            float[] prob = exported.blob("prob").hostData();
            int best = prob[1] > prob[0] ? 1 : 0;
            assertEquals(p.get("predicted"), best, "prediction for " + p.get("file"));
        }
    }

    @Test
    void frozenLayersStayBitIdenticalAndTheirBackwardNeverRuns() {
        Net[] seen = new Net[1];
        FineTuneResult r = FineTuner.run(config().freezeThrough("fire/concat").cachePrefix(false).build(), backend,
                new FineTuneListener() {
                    @Override
                    public void built(Net net) {
                        seen[0] = net;
                    }
                });
        Net net = seen[0];
        CaffeWeights original = CaffeModelReader.read(weights);
        for (String layer : List.of("conv1", "fire/squeeze", "fire/e1", "fire/e3")) {
            assertEquals(0, net.backwardRuns(layer), layer + " is frozen and nothing below needs a gradient");
            List<Param> params = net.layer(layer).params();
            for (int i = 0; i < params.size(); i++) {
                float[] before = original.layer(layer).orElseThrow().blobs().get(i).data();
                assertArrayEquals(before, params.get(i).data().hostData(), 0f, layer + " blob " + i);
                assertNull(params.get(i).diffOrNull(), layer + " blob " + i + " never got a gradient");
            }
        }
        assertEquals(r.iterations(), net.backwardRuns("conv_final_ft"));
        assertEquals(0, net.backwardRuns("drop"), "dropout feeds the classifier but needs no gradient below it");
        assertEquals(8, r.frozenParams());
    }

    @Test
    void cachingTheFrozenPrefixGivesTheSameRun(@TempDir Path out) throws Exception {
        FineTuneResult cached = FineTuner.run(config().freezeThrough("fire/concat").export(out.resolve("a")).build(),
                backend, new FineTuneListener() {});
        FineTuneResult plain = FineTuner.run(config().freezeThrough("fire/concat").cachePrefix(false)
                .export(out.resolve("b")).build(), backend, new FineTuneListener() {});
        assertEquals("fire/concat", cached.cachedThrough());
        assertNull(plain.cachedThrough());
        assertEquals(plain.history().size(), cached.history().size());
        for (int i = 0; i < plain.history().size(); i++) {
            assertEquals(plain.history().get(i).valLoss(), cached.history().get(i).valLoss(), "epoch " + i);
            assertEquals(plain.history().get(i).trainLoss(), cached.history().get(i).trainLoss(), "epoch " + i);
        }
        assertArrayEquals(Files.readAllBytes(out.resolve("b/finetuned.caffemodel")),
                Files.readAllBytes(out.resolve("a/finetuned.caffemodel")));
    }

    @Test
    void resumingAfterAnInterruptionEqualsTheUninterruptedRun(@TempDir Path out) throws Exception {
        FineTuneResult whole = FineTuner.run(config().export(out.resolve("whole")).build(), backend,
                new FineTuneListener() {});
        Path snaps = out.resolve("snapshots");
        try {
            FineTuner.run(config().snapshots(snaps, 3).build(), backend, new FineTuneListener() {
                @Override
                public void iteration(int iteration, int total, int epoch, double loss, double lr, double ips,
                                      double eta) {
                    if (iteration == 8) {
                        throw new IllegalStateException("interrupted");
                    }
                }
            });
        } catch (IllegalStateException expected) {
            assertEquals("interrupted", expected.getMessage());
        }
        assertTrue(Files.exists(snaps.resolve("iter_000006.snapshot.json")));
        FineTuneResult resumed = FineTuner.run(config().snapshots(snaps, 3).resume(true)
                .export(out.resolve("resumed")).build(), backend, new FineTuneListener() {});
        assertArrayEquals(Files.readAllBytes(out.resolve("whole/finetuned.caffemodel")),
                Files.readAllBytes(out.resolve("resumed/finetuned.caffemodel")));
        assertEquals(whole.valAccuracy(), resumed.valAccuracy());
        assertEquals(whole.history().size(), resumed.history().size());
    }
}

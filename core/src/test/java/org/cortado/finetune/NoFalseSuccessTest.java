package org.cortado.finetune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.cortado.backend.cpu.CpuBackend;
import org.cortado.caffe.CaffeModelReader;
import org.cortado.caffe.CaffeModelWriter;
import org.cortado.data.DatasetException;
import org.cortado.layers.Param;
import org.cortado.net.Net;
import org.cortado.solver.TrainingDivergedException;
import org.cortado.tensor.Tensor;
import org.cortado.testing.TinyFineTuning;
import org.cortado.testing.TinyImages;
import org.cortado.testing.TinyNets;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run with nothing to learn from, or with weights that are no longer numbers, fails with one clear message and
 * writes nothing: no report, no export, no snapshot, and no solver update from an empty pass.
 */
class NoFalseSuccessTest {
    @TempDir
    static Path dir;
    static Path deploy;
    static Path weights;
    static Path good;
    /** Train and val folders whose images are all garbage under image names. */
    static Path broken;

    private final CpuBackend backend = new CpuBackend(1);

    @BeforeAll
    static void material() throws Exception {
        good = dir.resolve("good");
        TinyImages.write(good, 12, 6, 5);
        broken = dir.resolve("broken");
        for (String split : List.of("train", "val")) {
            for (String cls : List.of("horizontal", "vertical")) {
                Path d = Files.createDirectories(broken.resolve(split).resolve(cls));
                for (int i = 0; i < (split.equals("train") ? 12 : 6); i++) {
                    Files.writeString(d.resolve(cls + "_" + i + ".png"), "not a PNG");
                }
            }
        }
        deploy = Files.writeString(dir.resolve("tiny.prototxt"), TinyNets.DEPLOY);
        weights = dir.resolve("tiny.caffemodel");
        TinyImages.writeTinyWeights(weights, 9);
    }

    private static FineTuneConfig.Builder config(Path train, Path val) {
        return TinyFineTuning.config(deploy, weights, good).data(train, val).epochs(1);
    }

    private static void assertNothingIn(Path folder) throws Exception {
        if (Files.exists(folder)) {
            try (Stream<Path> files = Files.list(folder)) {
                assertEquals(List.of(), files.toList(), folder + " holds files");
            }
        }
    }

    @Test
    void noDecodableTrainingImageFailsAtTheProbeNamingTheFolder() throws Exception {
        Path out = dir.resolve("out-probe");
        var e = assertThrows(DatasetException.class, () -> FineTuner.run(
                config(broken.resolve("train"), good.resolve("val")).report(out.resolve("r.json"))
                        .export(out.resolve("export")).snapshots(out.resolve("snaps"), 1).build(),
                backend, new FineTuneListener() {}));
        assertTrue(e.getMessage().startsWith("no usable training image in " + broken.resolve("train")
                + ": all 24 of 24 files were skipped (first: "), e.getMessage());
        assertNothingIn(out);
    }

    @Test
    void withACachedFrozenPrefixTheSameFailures() {
        // The prefix cache decodes every image up front and feeds training and validation from its own store.
        var train = assertThrows(DatasetException.class, () -> FineTuner.run(
                config(broken.resolve("train"), good.resolve("val")).freezeThrough("fire/concat").linearProbe(false)
                        .build(), backend, new FineTuneListener() {}));
        assertTrue(train.getMessage().startsWith("no usable training image in " + broken.resolve("train")),
                train.getMessage());
        var val = assertThrows(DatasetException.class, () -> FineTuner.run(
                config(good.resolve("train"), broken.resolve("val")).freezeThrough("fire/concat").build(), backend,
                new FineTuneListener() {}));
        assertTrue(val.getMessage().startsWith("no usable validation image in " + broken.resolve("val")),
                val.getMessage());
    }

    @Test
    void anEpochWithoutOneImageFailsWithoutAnyUpdate() throws Exception {
        // Without the probe nothing reads the training images before training: the first epoch finds them all broken.
        Path out = dir.resolve("out-train");
        List<float[]> before = new ArrayList<>();
        Net[] seen = new Net[1];
        List<String> messages = new ArrayList<>();
        var e = assertThrows(DatasetException.class, () -> FineTuner.run(
                config(broken.resolve("train"), good.resolve("val")).linearProbe(false)
                        .report(out.resolve("r.json")).export(out.resolve("export")).build(),
                backend, new FineTuneListener() {
                    @Override
                    public void built(Net net) {
                        seen[0] = net;
                        net.params().forEach(p -> before.add(p.data().hostData().clone()));
                    }

                    @Override
                    public void message(String line) {
                        messages.add(line);
                    }

                    @Override
                    public void iteration(int iteration, int total, int epoch, double loss, double lr, double ips,
                                          double eta) {
                        throw new AssertionError("no iteration trains on no images");
                    }
                }));
        assertTrue(e.getMessage().startsWith("no usable training image in " + broken.resolve("train")),
                e.getMessage());
        List<Param> params = seen[0].params();
        for (int i = 0; i < params.size(); i++) {
            assertArrayEquals(before.get(i), params.get(i).data().hostData(), 0f, params.get(i).name());
        }
        assertTrue(messages.stream().anyMatch(m -> m.contains("no update")), messages.toString());
        assertNothingIn(out);
    }

    @Test
    void noDecodableValidationImageFailsBeforeTraining() throws Exception {
        Path out = dir.resolve("out-val");
        var e = assertThrows(DatasetException.class, () -> FineTuner.run(
                config(good.resolve("train"), broken.resolve("val")).report(out.resolve("r.json"))
                        .export(out.resolve("export")).build(),
                backend, new FineTuneListener() {
                    @Override
                    public void iteration(int iteration, int total, int epoch, double loss, double lr, double ips,
                                          double eta) {
                        throw new AssertionError("training starts only with something to validate on");
                    }
                }));
        assertTrue(e.getMessage().startsWith("no usable validation image in " + broken.resolve("val")
                + ": all 12 of 12 files were skipped (first: "), e.getMessage());
        assertNothingIn(out);
    }

    @Test
    void aNonFiniteWeightIsRefusedBeforeAnySnapshot() throws Exception {
        // conv1's first weight is NaN: the scores are NaN, validation still runs, and its "best" would be poisoned.
        var pretrained = CaffeModelReader.read(weights);
        var def = org.cortado.caffe.Prototxt.readNet(deploy);
        java.util.Map<String, List<Tensor>> blobs = new java.util.LinkedHashMap<>();
        for (var l : def.getLayerList()) {
            pretrained.layer(l.getName()).ifPresent(w -> {
                List<Tensor> list = new ArrayList<>();
                for (var b : w.blobs()) {
                    float[] v = b.data().clone();
                    if (l.getName().equals("conv1") && list.isEmpty()) {
                        v[0] = Float.NaN;
                    }
                    list.add(Tensor.wrap(b.shape(), v));
                }
                blobs.put(l.getName(), list);
            });
        }
        Path poisoned = dir.resolve("nan.caffemodel");
        CaffeModelWriter.write(poisoned, def, blobs);
        Path snaps = dir.resolve("nan-snaps");
        var e = assertThrows(TrainingDivergedException.class, () -> FineTuner.run(
                config(good.resolve("train"), good.resolve("val")).model(deploy, poisoned).linearProbe(false)
                        .snapshots(snaps, 1).build(), backend, new FineTuneListener() {}));
        assertTrue(e.getMessage().startsWith("parameter conv1/0 holds NaN (element 0) after 0 iterations"),
                e.getMessage());
        assertTrue(e.getMessage().contains("snapshot " + snaps.resolve("best.snapshot.json") + " not written"),
                e.getMessage());
        assertNothingIn(snaps);
    }

    @Test
    void aNonFiniteWeightIsRefusedBeforeAnExport() {
        Net net = Net.build(TinyNets.deploy(), org.cortado.layers.Phase.TEST, backend);
        Param p = net.layer("conv_final").params().get(1);
        float[] v = new float[p.shape().count()];
        v[1] = Float.POSITIVE_INFINITY;
        backend.copy(Tensor.wrap(p.shape(), v), p.data());
        var solver = new org.cortado.solver.Solver(net, FineTuneRecipe.solver(), 1);
        var e = assertThrows(TrainingDivergedException.class,
                () -> HostParams.checked(net, l -> true, solver, "export out/finetuned.caffemodel"));
        assertTrue(e.getMessage().startsWith("parameter conv_final/1 holds Infinity (element 1)"), e.getMessage());
        assertTrue(e.getMessage().contains("export out/finetuned.caffemodel not written"), e.getMessage());
        assertFalse(HostParams.checked(net, l -> !l.name().equals("conv_final"), solver, "x").isEmpty());
    }
}

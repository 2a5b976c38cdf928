package org.cortado.advise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.cortado.backend.cpu.CpuBackend;
import org.cortado.data.ImageFolders;
import org.cortado.data.TrainValSplit;
import org.cortado.features.CodeExtractor;
import org.cortado.features.FeatureFiles;
import org.cortado.features.FeatureSet;
import org.cortado.heads.HeadSpec;
import org.cortado.heads.HeadType;
import org.cortado.image.ResizeMode;
import org.cortado.image.TransformSpec;
import org.cortado.transfer.CodeNet;
import org.cortado.transfer.CodeSpec;
import org.cortado.transfer.InputRecipe;
import org.cortado.testing.TinyImages;
import org.cortado.testing.TinyNet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The layer sweep on a tiny net: one pass gives each layer's codes exactly as a code net per layer does. */
class ProbeTest {
    private static final InputRecipe INPUT = InputRecipe.centre(
            TransformSpec.of(new ResizeMode.Fixed(14, 14), TinyNet.INPUT, 120, 110, 100));
    private static final CodeExtractor.Options EXTRACTION = new CodeExtractor.Options(4, 2, 8);

    @TempDir
    Path dir;

    private Probe.Config config(TinyNet.Files tiny, List<String> layers, Path codes) {
        HeadSpec head = HeadSpec.crossValidated(HeadType.SOFTMAX).withCrossValidation(new double[] {0.01, 1}, 3, 0);
        return new Probe.Config(tiny.deploy(), tiny.caffemodel(), layers, CodeSpec.Pooling.AVG, INPUT, head,
                List.of(List.of("conv1", "conv2")), codes, EXTRACTION, false, true, true);
    }

    @Test
    void onePassGivesEachLayersCodesAsItsOwnCodeNetDoes() {
        TinyNet.Files tiny = TinyNet.write(dir, 3);
        TinyImages.write(dir.resolve("data"), 6, 4, 5);
        TrainValSplit data = ImageFolders.trainVal(dir.resolve("data/train"), dir.resolve("data/val"));
        Path codes = dir.resolve("codes");
        Probe.Result r = Probe.run(config(tiny, List.of("conv2", "conv1", "fc"), codes), data, new CpuBackend());

        for (String layer : List.of("conv1", "conv2", "fc")) {
            CodeNet alone = CodeNet.load(tiny.deploy(), tiny.caffemodel(), CodeSpec.of(layer), INPUT, new CpuBackend());
            FeatureSet expected = alone.extract(data.train(), dir.resolve(layer.replace('/', '_') + ".npy"),
                    EXTRACTION, new org.cortado.util.Progress("t", "img", -1, System.err,
                            org.cortado.util.Progress.Mode.QUIET, System::nanoTime, 0), false);
            FeatureSet probed = FeatureFiles.read(codes.resolve(Probe.fileName(layer) + ".train.npy"));
            assertArrayEquals(expected.codes().hostData(), probed.codes().hostData(), layer);
            assertArrayEquals(expected.codes().hostData(), r.trainCodes().get(layer).codes().hostData(), layer);
            assertEquals(expected.files(), probed.files());
            assertEquals(layer, probed.provenance().layer());
            assertTrue(Files.isRegularFile(codes.resolve(Probe.fileName(layer) + ".val.npy")));
        }

        List<String> names = r.rows().stream().map(Probe.Row::name).toList();
        assertEquals(List.of("conv1", "conv2", "fc", "conv1+conv2"), names, "single layers by depth, then combined");
        assertEquals(6 + 8, r.row("conv1+conv2").dim());
        assertTrue(r.rows().stream().allMatch(row -> row.valAccuracy() >= 0 && row.valAccuracy() <= 1
                && row.cvAccuracy() >= 0 && row.cvAccuracy() <= 1));
        assertEquals(12, r.nTrain());
        assertEquals(8, r.nVal());
        assertTrue(names.contains(r.bestLayer()) && !r.bestLayer().contains("+"));
        SourcePredictions s = r.source();
        assertEquals("prob", s.layer());
        assertEquals(5, s.classes());
        assertTrue(s.meanTop1() >= 0.2 && s.meanTop1() <= 1, "" + s.meanTop1());
        assertTrue(s.normalizedEntropy() >= 0 && s.normalizedEntropy() <= 1, "" + s.normalizedEntropy());
    }

    @Test
    void withoutACodesFolderNothingIsLeftBehind() throws Exception {
        TinyNet.Files tiny = TinyNet.write(dir, 4);
        TinyImages.write(dir.resolve("data"), 6, 2, 6);
        TrainValSplit data = ImageFolders.trainVal(dir.resolve("data/train"), dir.resolve("data/val"));
        long before;
        try (var s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            before = s.filter(p -> p.getFileName().toString().startsWith("cortado-probe")).count();
        }
        Probe.Result r = Probe.run(config(tiny, null, null), data, new CpuBackend());
        assertEquals(List.of("conv2", "conv1+conv2"), r.rows().stream().map(Probe.Row::name).toList(),
                "by default the tiny net's one stage end: conv2 (ReLU'd, read by the InnerProduct)");
        try (var s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            assertEquals(before, s.filter(p -> p.getFileName().toString().startsWith("cortado-probe")).count());
        }
        assertFalse(r.trainCodes().isEmpty());
    }
}

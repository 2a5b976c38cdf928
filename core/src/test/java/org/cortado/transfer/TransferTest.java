package org.cortado.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.cortado.backend.cpu.CpuBackend;
import org.cortado.data.ImageFolders;
import org.cortado.data.TestImages;
import org.cortado.data.TrainValSplit;
import org.cortado.features.CodeExtractor;
import org.cortado.heads.HeadSpec;
import org.cortado.heads.HeadType;
import org.cortado.heads.Preprocessing;
import org.cortado.image.ResizeMode;
import org.cortado.image.TransformSpec;
import org.cortado.testing.TinyNet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TransferTest {
    @TempDir
    Path dir;

    private Transfer.Config config(TinyNet.Files tiny, HeadSpec head, Path export) {
        InputRecipe input = new InputRecipe(TransformSpec.of(new ResizeMode.Fixed(14, 14), TinyNet.INPUT, 110, 100, 90),
                true);
        return new Transfer.Config(tiny.deploy(), tiny.caffemodel(), CodeSpec.of("conv2"), input, head,
                dir.resolve("codes"), export, new CodeExtractor.Options(4, 2, 8), 6, false, true);
    }

    @Test
    void theRecipeRunsEndToEndAndReportsTheContractFields() throws Exception {
        TinyNet.Files tiny = TinyNet.write(dir, 3);
        Path train = TestImages.stripeFolders(dir.resolve("train"), 6, 0);
        Files.writeString(train.resolve("stripes_h/zz_broken.png"), "not a png");
        Path val = TestImages.stripeFolders(dir.resolve("val"), 4, 30);
        TrainValSplit data = ImageFolders.trainVal(train, val);
        Transfer.Config c = config(tiny, HeadSpec.crossValidated(HeadType.SVM).withCrossValidation(HeadSpec.DEFAULT_GRID, 3, 0),
                dir.resolve("export"));
        Transfer.Result r = Transfer.run(c, data, new CpuBackend());
        assertEquals(12, r.train().rows());
        assertEquals(8, r.val().rows());
        assertEquals(1, r.skipped().size());
        assertTrue(r.exportCheck().passed(), r.exportCheck().toString());
        assertEquals(6, r.exportCheck().images());
        assertTrue(Files.isRegularFile(dir.resolve("codes/train.npy")) && Files.isRegularFile(dir.resolve("codes/val.json")));

        JsonNode report = new ObjectMapper().readTree(Transfer.report(r, c, null, "CPU").toJson());
        assertEquals(r.valEvaluation().accuracy(), report.get("val_accuracy").asDouble());
        assertEquals(r.trainEvaluation().accuracy(), report.get("train_accuracy").asDouble());
        assertEquals(12, report.get("n_train").asInt());
        assertEquals(8, report.get("n_val").asInt());
        JsonNode skipped = report.get("skipped").get(0);
        assertTrue(skipped.get("file").asText().endsWith("zz_broken.png"));
        assertTrue(!skipped.get("reason").asText().isBlank());
        assertEquals("conv2", report.at("/recipe/layer").asText());
        assertTrue(report.at("/recipe/oversample").asBoolean());
        assertEquals(3, report.at("/recipe/folds").asInt());
        assertTrue(report.at("/timings_seconds/total").asDouble() > 0);
        assertTrue(report.at("/export/check/passed").asBoolean());
        assertEquals("cross-validation", report.get("c_selection").asText());
    }

    @Test
    void anExportThatCannotBeMadeIsRefusedBeforeAnyWork() {
        TinyNet.Files tiny = TinyNet.write(dir, 3);
        TrainValSplit data = ImageFolders.trainVal(TestImages.stripeFolders(dir.resolve("t"), 2, 0),
                TestImages.stripeFolders(dir.resolve("v"), 2, 5));
        Transfer.Config c = config(tiny, HeadSpec.crossValidated(HeadType.SOFTMAX).withPreprocessing(Preprocessing.L2),
                dir.resolve("export"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Transfer.run(c, data, new CpuBackend()));
        assertTrue(e.getMessage().contains("L2"), e.getMessage());
        assertTrue(Files.notExists(dir.resolve("codes")), "no codes computed");
    }
}

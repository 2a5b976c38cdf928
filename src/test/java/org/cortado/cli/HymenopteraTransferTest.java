package org.cortado.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import org.cortado.testing.SharedData;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The acceptance run of issue 3: {@code ./cortado transfer} with its default recipe on the ants-vs-bees set with
 * SqueezeNet v1.0 codes from fire9/concat (post-ReLU, averaged to 512-D). The linear SVM and softmax both reach the
 * 0.941 of the acceptance (measured: 0.9412, 144 of 153, each; docs/transfer.md has the table) and the SVM's export,
 * read back, reproduces the head's prediction for every validation image. The softmax run reuses the SVM run's codes
 * ({@code --resume}): the same recipe makes the same codes.
 */
@Tag("slow")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HymenopteraTransferTest {
    /** The peers' best figure on this data (PyTorch or OpenCV codes with scikit-learn): 144 of 153. */
    private static final double ACCEPTANCE = 0.941;

    /** Shared by both tests (static: one folder for the class), so that the softmax run finds the SVM run's codes. */
    @TempDir
    static Path tmp;

    private JsonNode transfer(String head, String... more) throws IOException {
        Path model = SharedData.require("models/squeezenet_v1.0");
        Path data = SharedData.require("data/hymenoptera");
        Path report = tmp.resolve(head + ".json");
        String[] args = FoundationCommandsTest.concat(new String[] {"transfer", "--model",
            model.resolve("deploy.prototxt").toString(), "--weights",
            model.resolve("squeezenet_v1.0.caffemodel").toString(), "--layer", "fire9/concat", "--train",
            data.resolve("train").toString(), "--val", data.resolve("val").toString(), "--head", head, "--report",
            report.toString(), "--codes-dir", tmp.resolve("codes").toString()}, more);
        var r = CliTestSupport.run(args);
        System.out.println(r.out());
        assertEquals(0, r.status(), r.toString());
        return new ObjectMapper().readTree(report.toFile());
    }

    @Test
    @Order(1)
    void linearSvmWithTheDefaultRecipeAndItsExportOnTheWholeValidationSet() throws IOException {
        JsonNode r = transfer("svm", "--export", tmp.resolve("export").toString(), "--export-check", "153");
        // train/ants/imageNotFound.gif is a placeholder picture, but a readable GIF: it gives a code like the rest.
        assertEquals(245, r.get("n_train").asInt());
        assertEquals(153, r.get("n_val").asInt());
        assertEquals(0, r.get("skipped").size());
        assertEquals(153, r.at("/export/check/images").asInt());
        assertEquals(153, r.at("/export/check/agreeing").asInt(), "the export reproduces every val prediction");
        assertTrue(r.get("val_accuracy").asDouble() >= ACCEPTANCE, "svm val accuracy " + r.get("val_accuracy"));
    }

    @Test
    @Order(2)
    void softmaxWithTheDefaultRecipe() throws IOException {
        JsonNode r = transfer("softmax", "--resume");
        assertTrue(r.at("/timings_seconds/train_codes").asDouble() < 5, "the codes of the first run are reused");
        assertTrue(r.get("val_accuracy").asDouble() >= ACCEPTANCE, "softmax val accuracy "
                + r.get("val_accuracy"));
    }
}

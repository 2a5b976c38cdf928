package org.cortado.heads;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.cortado.data.Skipped;
import org.cortado.features.FeatureSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HeadReportTest {
    @TempDir
    Path dir;

    @Test
    void reportCarriesTheContractFields() throws Exception {
        ToyData train = ToyData.blobs(2, 12, 3, 3.0, 1);
        ToyData val = ToyData.blobs(2, 5, 3, 3.0, 2);
        HeadSpec spec = HeadSpec.crossValidated(HeadType.SVM).withCrossValidation(new double[] {0.01, 1}, 3, 0);
        TrainedHead head = TrainedHead.fit(spec, train.x, train.y, 2);
        Evaluation ev = head.evaluate(val.x, val.y);
        var json = HeadReport.toJson(head, List.of("ants", "bees"), head.evaluate(train.x, train.y), ev,
                List.of(new Skipped(Path.of("train/ants/x.gif"), "no image reader recognises its format")));
        Path f = dir.resolve("report.json");
        json.writeTo(f);
        assertEquals(json.toJson(), Files.readString(f), "toJson is what writeTo writes");
        JsonNode r = new ObjectMapper().readTree(f.toFile());
        assertEquals(ev.accuracy(), r.get("val_accuracy").asDouble());
        assertTrue(r.get("train_accuracy").isNumber());
        assertEquals(24, r.get("n_train").asInt());
        assertEquals(10, r.get("n_val").asInt());
        assertEquals("train/ants/x.gif", r.get("skipped").get(0).get("file").asText());
        assertFalse(r.get("skipped").get(0).get("reason").asText().isEmpty());
        assertEquals("svm", r.get("head").asText());
        assertEquals("squared_hinge", r.get("loss").asText());
        assertEquals("standardize", r.get("preprocessing").asText());
        assertEquals(head.c(), r.get("c").asDouble());
        assertEquals("cross-validation", r.get("c_selection").asText());
        assertEquals(2, r.get("cross_validation").get("candidates").size());
        assertEquals("bees", r.get("per_class").get(1).get("class").asText());
        assertEquals(ev.recall()[1], r.get("per_class").get(1).get("recall").asDouble());
        assertEquals(ev.confusion()[1][0], r.get("confusion").get(1).get(0).asInt());
    }

    @Test
    void predictionsGiveEachImagesClassesAndTheSoftmaxProbabilitiesOrTheSvmScores() throws Exception {
        ToyData train = ToyData.blobs(3, 10, 4, 1.0, 3);
        ToyData val = ToyData.blobs(3, 6, 4, 1.0, 4);
        List<String> files = new java.util.ArrayList<>();
        for (int i = 0; i < val.y.length; i++) {
            files.add("val/" + val.y[i] + "/" + i + ".jpg");
        }
        FeatureSet set = FeatureSet.of(val.x, 4, val.y, files, List.of("a", "b", "c"), List.of(), null);
        TrainedHead softmax = TrainedHead.fit(HeadSpec.crossValidated(HeadType.SOFTMAX).withC(1), train.x, train.y, 3);
        var p = predictions(softmax, set);
        assertEquals(val.y.length, p.size());
        int[] predicted = softmax.predict(val.x);
        for (int i = 0; i < p.size(); i++) {
            double[] probs = HeadReport.softmax(softmax.scores(new float[][] {val.x[i]})[0]);
            assertEquals(files.get(i), p.get(i).get("file").asText());
            assertEquals(val.y[i], p.get(i).get("label").asInt());
            assertEquals(predicted[i], p.get(i).get("predicted").asInt());
            assertEquals(probs[predicted[i]], p.get(i).get("probability").asDouble(), 1e-12);
            assertEquals(probs[val.y[i]], p.get(i).get("true_probability").asDouble(), 1e-12);
        }
        TrainedHead svm = TrainedHead.fit(HeadSpec.crossValidated(HeadType.SVM).withC(1), train.x, train.y, 3);
        var q = predictions(svm, set).get(0);
        assertEquals(svm.scores(new float[][] {val.x[0]})[0][q.get("predicted").asInt()], q.get("score").asDouble());
        assertFalse(q.has("probability"), "decision values are not probabilities");
    }

    /** The {@code val_predictions} that {@link HeadReport#withPredictions} adds at the end of a report. */
    private static JsonNode predictions(TrainedHead head, FeatureSet set) throws Exception {
        var report = HeadReport.withPredictions(HeadReport.toJson(head, set.classes(), head.evaluate(set), null,
                List.of()), head, set);
        JsonNode r = new ObjectMapper().readTree(report.toJson());
        List<String> fields = new java.util.ArrayList<>();
        r.fieldNames().forEachRemaining(fields::add);
        assertEquals("val_predictions", fields.get(fields.size() - 1));
        return r.get("val_predictions");
    }
}

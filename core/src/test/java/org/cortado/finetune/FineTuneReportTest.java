package org.cortado.finetune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.cortado.backend.cpu.CpuBackend;
import org.cortado.testing.TinyFineTuning;
import org.cortado.testing.TinyImages;
import org.cortado.testing.TinyNets;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the fine-tuning report holds for its pictures: the iteration logs, the layers' multipliers, probabilities. */
class FineTuneReportTest {
    @TempDir
    static Path dir;

    private final CpuBackend backend = new CpuBackend(2);

    @BeforeAll
    static void material() throws Exception {
        TinyImages.write(dir.resolve("data"), 12, 6, 5);
        Files.writeString(dir.resolve("tiny.prototxt"), TinyNets.DEPLOY);
        TinyImages.writeTinyWeights(dir.resolve("tiny.caffemodel"), 9);
    }

    private static FineTuneConfig.Builder config() {
        return TinyFineTuning.config(dir.resolve("tiny.prototxt"), dir.resolve("tiny.caffemodel"), dir.resolve("data"))
                .epochs(2);
    }

    @Test
    void reportHasEveryIterationsLossTheFrozenLayersAndEachPredictionsProbability() throws Exception {
        Path report = dir.resolve("frozen.json");
        FineTuneResult r = FineTuner.run(config().freezeThrough("fire/concat").report(report).build(), backend,
                new FineTuneListener() {});
        assertEquals(1, r.iterationLog().size());
        IterationLog log = r.iterationLog().get(0);
        assertEquals(1, log.firstIteration());
        assertEquals(r.iterations(), log.loss().length);
        assertTrue(log.learningRate()[0] > log.learningRate()[log.learningRate().length - 1], "poly decays");
        assertTrue(r.layers().stream().anyMatch(LayerSettings::frozen));
        assertFalse(r.layers().stream().filter(l -> l.name().equals("conv_final_ft")).findFirst().orElseThrow()
                .frozen());

        JsonNode json = new ObjectMapper().readTree(report.toFile());
        assertEquals(r.iterations(), json.at("/iteration_log/0/loss").size());
        assertEquals(1, json.at("/iteration_log/0/first_iteration").asInt());
        JsonNode p = json.at("/val_predictions/0");
        double probability = p.get("probability").asDouble();
        assertTrue(probability >= 0.5 && probability <= 1, p.toString());
        assertEquals(p.get("label").asInt() == p.get("predicted").asInt(), probability == p.get("true_probability")
                .asDouble(), p.toString());
        assertTrue(json.at("/layers/0/frozen").asBoolean(), json.get("layers").toString());
    }

    @Test
    void aResumedRunKeepsTheFirstRunsLogAndAddsItsOwn() {
        Path snaps = dir.resolve("snapshots");
        try {
            FineTuner.run(config().snapshots(snaps, 3).build(), backend, new FineTuneListener() {
                @Override
                public void iteration(int iteration, int total, int epoch, double loss, double lr, double ips,
                                      double eta) {
                    if (iteration == 4) {
                        throw new IllegalStateException("interrupted");
                    }
                }
            });
        } catch (IllegalStateException expected) {
            assertEquals("interrupted", expected.getMessage());
        }
        FineTuneResult resumed = FineTuner.run(config().snapshots(snaps, 3).resume(true).build(), backend,
                new FineTuneListener() {});
        assertEquals(2, resumed.iterationLog().size());
        IterationLog first = resumed.iterationLog().get(0);
        IterationLog second = resumed.iterationLog().get(1);
        assertEquals(1, first.firstIteration());
        assertEquals(3, first.loss().length, "the snapshot at iteration 3 holds iterations 1-3");
        assertEquals(4, second.firstIteration());
        assertEquals(resumed.iterations(), second.firstIteration() + second.loss().length - 1);
    }
}

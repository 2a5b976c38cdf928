package org.cortado.solver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.cortado.caffe.CaffeFormatException;
import org.cortado.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SolverSettingsTest {
    @TempDir
    Path dir;

    private SolverSettings read(String text) throws Exception {
        Path f = dir.resolve("solver.prototxt");
        Files.writeString(f, text);
        return SolverSettings.read(f);
    }

    @Test
    void readsCaffeFields() throws Exception {
        SolverSettings s = read("""
                net: "train_val.prototxt"
                base_lr: 0.001 lr_policy: "multistep" gamma: 0.1 stepvalue: 100 stepvalue: 200
                momentum: 0.9 weight_decay: 0.0005 iter_size: 4 clip_gradients: 10 max_iter: 300
                type: "Nesterov" solver_mode: CPU random_seed: 7
                """);
        assertEquals(SolverSettings.Type.NESTEROV, s.type());
        assertEquals(0.001f, s.baseLr());
        assertEquals(List.of(100, 200), s.stepvalues());
        assertEquals(4, s.iterSize());
        assertEquals(10f, s.clipGradients());
        assertEquals(7, s.randomSeed());
    }

    @Test
    void legacySolverTypeEnum() throws Exception {
        assertEquals(SolverSettings.Type.ADAM, read("base_lr: 0.001 solver_type: ADAM momentum: 0.9").type());
    }

    @Test
    void readsTheAdaptiveSolversAndL1() throws Exception {
        SolverSettings s = read("base_lr: 0.01 type: \"RMSProp\" rms_decay: 0.95 delta: 1e-6 "
                + "regularization_type: \"L1\" weight_decay: 0.001");
        assertEquals(SolverSettings.Type.RMSPROP, s.type());
        assertEquals(0.95f, s.rmsDecay());
        assertEquals(1e-6f, s.delta());
        assertEquals(SolverSettings.Regularization.L1, s.regularization());
        assertEquals(SolverSettings.Type.ADAGRAD, read("base_lr: 0.01 solver_type: ADAGRAD").type());
        assertEquals(SolverSettings.Type.ADADELTA, read("base_lr: 1 type: \"AdaDelta\" momentum: 0.95").type());
        assertEquals(SolverSettings.Regularization.L2, read("base_lr: 0.01").regularization());
        assertEquals(0.99f, read("base_lr: 0.01").rmsDecay(), "Caffe's default rms_decay");
    }

    @Test
    void errorsNameFileAndField() {
        var e = assertThrows(CaffeFormatException.class, () -> read("base_lr: 0.1 lr_policy: \"cosine\""));
        assertTrue(e.getMessage().contains("solver.prototxt") && e.getMessage().contains("lr_policy"), e.getMessage());
        e = assertThrows(CaffeFormatException.class, () -> read("base_lr: 0.1 type: \"AdaMax\""));
        assertTrue(e.getMessage().contains("AdaMax"), e.getMessage());
        e = assertThrows(CaffeFormatException.class, () -> read("base_lr: 0.1 type: \"AdaGrad\" momentum: 0.9"));
        assertTrue(e.getMessage().contains("momentum") && e.getMessage().contains("AdaGrad"), e.getMessage());
        e = assertThrows(CaffeFormatException.class, () -> read("base_lr: 0.1 type: \"RMSProp\" rms_decay: 1"));
        assertTrue(e.getMessage().contains("rms_decay"), e.getMessage());
        e = assertThrows(CaffeFormatException.class, () -> read("base_lr: 0.1 regularization_type: \"L3\""));
        assertTrue(e.getMessage().contains("regularization_type") && e.getMessage().contains("L3"), e.getMessage());
        e = assertThrows(CaffeFormatException.class, () -> read("base_lr: 0.1 lr_policy: \"step\""));
        assertTrue(e.getMessage().contains("stepsize"), e.getMessage());
        e = assertThrows(CaffeFormatException.class, () -> read("base_lr: 0.1 iter_sise: 2"));
        assertTrue(e.getMessage().contains("solver.prototxt:1:"), e.getMessage());
    }

    @Test
    void loadsTheModelZooSolvers() {
        for (String model : List.of("bvlc_reference_caffenet", "bvlc_googlenet", "finetune_flickr_style")) {
            Path solver = SharedData.require("models/caffe/" + model + "/solver.prototxt");
            SolverSettings s = SolverSettings.read(solver);
            assertTrue(s.baseLr() > 0, model);
        }
    }
}

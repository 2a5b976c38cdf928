package org.cortado.layers;

import static org.cortado.layers.LayerRun.assertClose;
import static org.cortado.layers.LayerRun.map;
import static org.cortado.layers.LayerRun.top;
import static org.cortado.testing.GradientChecker.gaussian;
import static org.cortado.testing.GradientChecker.uniform;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.cortado.backend.cpu.CpuBackend;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;
import org.cortado.testing.GradientChecker;
import org.junit.jupiter.api.Test;

/**
 * Caffe's elementwise layers (ELU, Power, Exp, Log, AbsVal, BNLL, Threshold): forward against the formula in double,
 * backward against finite differences, and the parameter checks Caffe makes.
 */
class NeuronLayersTest {
    private static final Shape SHAPE = Shape.of(2, 3, 4, 5);
    private final GradientChecker checker = new GradientChecker(new CpuBackend(2));

    @Test
    void elu() {
        Tensor x = gaussian(SHAPE, 1.5, 1);
        String def = "type: 'ELU' bottom: 'x' top: 'y' elu_param { alpha: 0.7 }";
        assertClose("ELU", map(x, v -> v > 0 ? v : 0.7 * (Math.exp(v) - 1)), top(def, x));
        checker.kink(0, GradientChecker.STEP).check(def, x);
        assertClose("ELU alpha 1", map(x, v -> v > 0 ? v : Math.exp(v) - 1),
                top("type: 'ELU' bottom: 'x' top: 'y'", x));
    }

    @Test
    void powerGeneralAndCaffesSpecialCases() {
        Tensor positive = uniform(SHAPE, 0.5, 2.0, 2);
        Tensor any = gaussian(SHAPE, 1.0, 3);
        // general: power 0.5, scale 2, shift 1 on inputs that keep the base positive
        String general = "type: 'Power' bottom: 'x' top: 'y' power_param { power: 0.5 scale: 2 shift: 1 }";
        assertClose("power general", map(positive, v -> Math.pow(1 + 2 * v, 0.5)), top(general, positive));
        checker.check(general, positive);
        // power 2 (its own backward), shift 0 (backward from y / x), power 1 (a constant gradient)
        String square = "type: 'Power' bottom: 'x' top: 'y' power_param { power: 2 scale: -0.5 shift: 0.25 }";
        assertClose("power 2", map(any, v -> Math.pow(0.25 - 0.5 * v, 2)), top(square, any));
        checker.check(square, any);
        String cube = "type: 'Power' bottom: 'x' top: 'y' power_param { power: 3 scale: 1.5 }";
        assertClose("power 3", map(positive, v -> Math.pow(1.5 * v, 3)), top(cube, positive), 1e-5);
        checker.check(cube, positive);
        String linear = "type: 'Power' bottom: 'x' top: 'y' power_param { scale: 3 shift: -1 }";
        assertClose("power 1", map(any, v -> 3 * v - 1), top(linear, any));
        checker.check(linear, any);
        // power * scale == 0: a constant, and a zero gradient
        assertClose("power 0", map(any, v -> 1),
                top("type: 'Power' bottom: 'x' top: 'y' power_param { power: 0 }", any));
        String constant = "type: 'Power' bottom: 'x' top: 'y' power_param { power: 3 scale: 0 shift: 2 }";
        assertClose("scale 0", map(any, v -> 8), top(constant, any));
        checker.check(constant, any);
    }

    @Test
    void exp() {
        Tensor x = gaussian(SHAPE, 1.0, 4);
        String def = "type: 'Exp' bottom: 'x' top: 'y' exp_param { base: 2 scale: 0.5 shift: 1 }";
        assertClose("Exp base 2", map(x, v -> Math.pow(2, 1 + 0.5 * v)), top(def, x), 1e-5);
        checker.check(def, x);
        assertClose("Exp", map(x, Math::exp), top("type: 'Exp' bottom: 'x' top: 'y'", x));
        checker.check("type: 'Exp' bottom: 'x' top: 'y'", x);
    }

    @Test
    void log() {
        // Away from 0, where ln curves too fast for central differences of step 0.01.
        Tensor x = uniform(SHAPE, 0.5, 2.0, 5);
        String def = "type: 'Log' bottom: 'x' top: 'y' log_param { base: 10 scale: 2 shift: 0.5 }";
        assertClose("Log base 10", map(x, v -> Math.log10(2 * v + 0.5)), top(def, x), 1e-5);
        checker.check(def, x);
        assertClose("Log", map(x, Math::log), top("type: 'Log' bottom: 'x' top: 'y'", x));
        checker.check("type: 'Log' bottom: 'x' top: 'y'", x);
    }

    @Test
    void absValAndBnll() {
        Tensor x = gaussian(SHAPE, 2.0, 6);
        x.hostData()[0] = 0f;
        x.hostData()[1] = 60f;
        x.hostData()[2] = -60f;
        assertClose("AbsVal", map(x, Math::abs), top("type: 'AbsVal' bottom: 'x' top: 'y'", x));
        checker.kink(0, GradientChecker.STEP).check("type: 'AbsVal' bottom: 'x' top: 'y'", x);
        assertClose("BNLL", map(x, v -> Math.log1p(Math.exp(-Math.abs(v))) + Math.max(v, 0)),
                top("type: 'BNLL' bottom: 'x' top: 'y'", x));
        checker.check("type: 'BNLL' bottom: 'x' top: 'y'", gaussian(SHAPE, 2.0, 7));
    }

    @Test
    void thresholdHasNoBackward() {
        Tensor x = gaussian(SHAPE, 1.0, 8);
        x.hostData()[3] = 0.25f;
        assertClose("Threshold", map(x, v -> v > 0.25 ? 1 : 0),
                top("type: 'Threshold' bottom: 'x' top: 'y' threshold_param { threshold: 0.25 }", x));
        Layer t = GradientChecker.layer("name: 'th' type: 'Threshold' bottom: 'x' top: 'y'");
        var e = assertThrows(NetDefinitionException.class, () -> t.backward(LayerRun.CPU, List.of(x), List.of(x),
                List.of(x), java.util.Arrays.asList((Tensor) null)));
        assertTrue(e.getMessage().contains("'th' (Threshold)") && e.getMessage().contains("no backward"),
                e.getMessage());
    }

    @Test
    void expAndLogRefuseBasesCaffeRefuses() {
        for (String def : List.of("name: 'e' type: 'Exp' bottom: 'x' top: 'y' exp_param { base: 0 }",
                "name: 'e' type: 'Exp' bottom: 'x' top: 'y' exp_param { base: -2 }",
                "name: 'e' type: 'Log' bottom: 'x' top: 'y' log_param { base: 1 }",
                "name: 'e' type: 'Log' bottom: 'x' top: 'y' log_param { base: 0 }")) {
            var e = assertThrows(NetDefinitionException.class, () -> GradientChecker.layer(def), def);
            assertTrue(e.getMessage().startsWith("layer 'e' (") && e.getMessage().contains("base"), e.getMessage());
        }
        assertEquals("Exp",
                GradientChecker.layer("type: 'Exp' bottom: 'x' top: 'y' exp_param { base: 1 }").type().caffeName());
    }
}

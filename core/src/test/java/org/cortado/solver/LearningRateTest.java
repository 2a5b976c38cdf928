package org.cortado.solver;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class LearningRateTest {
    private static final double TOL = 1e-12;

    private static SolverSettings policy(String name, float gamma, float power, int stepsize, List<Integer> steps,
                                         int maxIter) {
        return new SolverSettings(SolverSettings.Type.SGD, 0.01f, name, gamma, power, stepsize, steps, maxIter, 0.9f,
                0.999f, 1e-8f, 0f, 1, -1f, 0, 0, -1);
    }

    private static final double BASE = 0.01f;

    @Test
    void fixed() {
        assertEquals(BASE, LearningRate.at(policy("fixed", 0, 0, 0, List.of(), 0), 1234), TOL);
    }

    @Test
    void step() {
        SolverSettings s = policy("step", 0.1f, 0, 10, List.of(), 0);
        assertEquals(BASE, LearningRate.at(s, 9), TOL);
        assertEquals(BASE * 0.1f, LearningRate.at(s, 10), TOL);
        assertEquals(BASE * 0.1f * 0.1f, LearningRate.at(s, 25), 1e-15);
    }

    @Test
    void multistep() {
        SolverSettings s = policy("multistep", 0.5f, 0, 0, List.of(5, 8), 0);
        assertEquals(BASE, LearningRate.at(s, 4), TOL);
        assertEquals(BASE / 2, LearningRate.at(s, 5), TOL);
        assertEquals(BASE / 2, LearningRate.at(s, 7), TOL);
        assertEquals(BASE / 4, LearningRate.at(s, 8), TOL);
        assertEquals(BASE / 4, LearningRate.at(s, 1000), TOL);
        assertEquals(2, LearningRate.currentStep(s, 9));
    }

    @Test
    void exp() {
        assertEquals(BASE * 0.25, LearningRate.at(policy("exp", 0.5f, 0, 0, List.of(), 0), 2), TOL);
    }

    @Test
    void inv() {
        // (1 + 0.25 * 12) ^ -0.5 = 4 ^ -0.5 = 1/2.
        assertEquals(BASE / 2, LearningRate.at(policy("inv", 0.25f, 0.5f, 0, List.of(), 0), 12), TOL);
    }

    @Test
    void poly() {
        SolverSettings s = policy("poly", 0, 2f, 0, List.of(), 100);
        assertEquals(BASE * 0.25, LearningRate.at(s, 50), TOL);
        assertEquals(0.0, LearningRate.at(s, 100), TOL);
    }

    @Test
    void sigmoid() {
        SolverSettings s = policy("sigmoid", 0.5f, 0, 20, List.of(), 0);
        assertEquals(BASE / 2, LearningRate.at(s, 20), TOL);
        assertEquals(BASE / (1 + Math.exp(-0.5 * 4)), LearningRate.at(s, 24), TOL);
    }
}

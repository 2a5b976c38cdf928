package org.cortado.layers;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import org.cortado.backend.Backend;
import org.cortado.backend.cpu.CpuBackend;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;
import org.cortado.testing.GradientChecker;

/**
 * Runs one layer for the naive-reference tests: builds it from prototxt, sets it up on the bottoms, forward, and
 * compares with a reference computed in double from Caffe's definition.
 */
final class LayerRun {
    /** Relative tolerance of a float layer against a double reference: a few roundings of terms of size ~1. */
    static final double REL = 2e-6;
    /** Absolute slack for values near 0 (sums of terms of size ~1 that cancel). */
    static final double ABS = 1e-6;

    private LayerRun() {
    }

    static final Backend CPU = new CpuBackend(2);

    /** Builds the layer of {@code prototxt} and sets it up on the bottoms' shapes. */
    static Layer setUp(String prototxt, Tensor... bottoms) {
        Layer layer = GradientChecker.layer(prototxt);
        List<Shape> shapes = new ArrayList<>();
        for (Tensor b : bottoms) {
            shapes.add(b.shape());
        }
        layer.setUp(CPU, shapes);
        return layer;
    }

    /** Forward of an already set-up layer in {@code phase}; returns every top. */
    static List<Tensor> forward(Layer layer, Phase phase, Tensor... bottoms) {
        List<Shape> shapes = new ArrayList<>();
        for (Tensor b : bottoms) {
            shapes.add(b.shape());
        }
        List<Shape> topShapes = layer.reshape(shapes);
        List<Tensor> tops = new ArrayList<>();
        for (Shape s : topShapes) {
            tops.add(CPU.allocate(s));
        }
        layer.forward(CPU, phase, List.of(bottoms), tops);
        return tops;
    }

    /** The first top of the layer of {@code prototxt} at test time. */
    static Tensor top(String prototxt, Tensor... bottoms) {
        return forward(setUp(prototxt, bottoms), Phase.TEST, bottoms).get(0);
    }

    /** Fails naming the first elements of {@code actual} beyond {@code ABS + REL * |expected|}. */
    static void assertClose(String what, double[] expected, Tensor actual) {
        assertClose(what, expected, actual, REL);
    }

    static void assertClose(String what, double[] expected, Tensor actual, double rel) {
        assertClose(what, expected, actual, ABS, rel);
    }

    /** Fails naming the first elements of {@code actual} beyond {@code abs + rel * |expected|}. */
    static void assertClose(String what, double[] expected, Tensor actual, double abs, double rel) {
        float[] got = actual.hostData();
        if (expected.length != actual.count()) {
            fail(what + ": expected " + expected.length + " values, got " + actual.count() + " " + actual.shape());
        }
        StringBuilder bad = new StringBuilder();
        int count = 0;
        for (int i = 0; i < expected.length; i++) {
            double limit = abs + rel * Math.abs(expected[i]);
            boolean ok = Double.isNaN(expected[i]) ? Float.isNaN(got[i]) : Math.abs(got[i] - expected[i]) <= limit;
            if (!ok && count++ < 5) {
                bad.append(String.format(" [%d] expected %.9g got %.9g;", i, expected[i], got[i]));
            }
        }
        if (count > 0) {
            fail(what + ": " + count + " of " + expected.length + " values differ:" + bad);
        }
    }

    /** {@code f} applied to each value of {@code x}, in double. */
    static double[] map(Tensor x, java.util.function.DoubleUnaryOperator f) {
        float[] v = x.hostData();
        double[] out = new double[x.count()];
        for (int i = 0; i < out.length; i++) {
            out[i] = f.applyAsDouble(v[i]);
        }
        return out;
    }
}

package org.cortado.gpu;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.BiConsumer;
import org.cortado.backend.Backend;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * "Run backend op X on the GPU and on the CPU oracle and compare": the one helper every GPU op test is a line of.
 * Tensors are named; each is filled with the same seeded values on both backends (outputs too, so that an op that
 * should overwrite but accumulates, or the reverse, is caught), the op runs on both, and every tensor, inputs included,
 * is compared element by element with {@code |gpu - cpu| <= tol + |cpu| * eps}. A failure names the op, the tensor,
 * how many elements differ, and the first few indices with both values.
 */
final class OpParity {
    /** Absolute tolerance: float32 sums of a few hundred terms of magnitude ~1 differ in their last bits. */
    static final float TOL = 1e-5f;
    /** Relative tolerance: different summation orders (GPU reductions, cuBLAS/cuDNN blocking) in float32. */
    static final float EPS = 1e-4f;
    /** How many mismatching elements a failure lists. */
    private static final int SHOW = 5;

    private final Backend cpu;
    private final Backend gpu;

    OpParity(Backend cpu, Backend gpu) {
        this.cpu = cpu;
        this.gpu = gpu;
    }

    Case op(String name) {
        return new Case(name);
    }

    /** Named tensors of one op, how to fill them, and the tolerance. */
    final class Case {
        private final String name;
        private final Map<String, float[]> data = new LinkedHashMap<>();
        private final Map<String, Shape> shapes = new LinkedHashMap<>();
        private final SplittableRandom random;
        private float tol = TOL;
        private float eps = EPS;

        private Case(String name) {
            this.name = name;
            this.random = new SplittableRandom(name.hashCode());
        }

        /** A tensor of uniform values in [-1, 1). */
        Case in(String tensor, int... dims) {
            return in(tensor, -1f, 1f, dims);
        }

        /** A tensor of uniform values in [lo, hi). */
        Case in(String tensor, float lo, float hi, int... dims) {
            Shape s = Shape.of(dims);
            float[] v = new float[s.count()];
            for (int i = 0; i < v.length; i++) {
                v[i] = lo + (hi - lo) * (float) random.nextDouble();
            }
            return with(tensor, s, v);
        }

        /** A tensor with given values. */
        Case with(String tensor, Shape s, float[] values) {
            shapes.put(tensor, s);
            data.put(tensor, values);
            return this;
        }

        /** A looser tolerance, for an op whose GPU arithmetic differs on purpose; say why at the call. */
        Case tolerance(float tol, float eps) {
            this.tol = tol;
            this.eps = eps;
            return this;
        }

        /** Runs {@code op} on both backends and compares every tensor. */
        void check(BiConsumer<Backend, Map<String, Tensor>> op) {
            Map<String, Tensor> onCpu = place(cpu);
            Map<String, Tensor> onGpu = place(gpu);
            op.accept(cpu, onCpu);
            op.accept(gpu, onGpu);
            List<String> failures = new ArrayList<>();
            for (String t : shapes.keySet()) {
                float[] want = cpu.download(onCpu.get(t)).hostData();
                float[] got = gpu.download(onGpu.get(t)).hostData();
                String f = compare(t, shapes.get(t), want, got, tol, eps);
                if (f != null) {
                    failures.add(f);
                }
            }
            if (!failures.isEmpty()) {
                fail(name + " on " + gpu.name() + " differs from " + cpu.name() + ":\n" + String.join("\n", failures));
            }
        }

        private Map<String, Tensor> place(Backend b) {
            Map<String, Tensor> out = new LinkedHashMap<>();
            for (String t : shapes.keySet()) {
                out.put(t, b.upload(Tensor.wrap(shapes.get(t), data.get(t).clone())));
            }
            return out;
        }
    }

    /** The largest magnitude among the first {@code count} values (a tensor's scale, for range-relative slack). */
    static float maxAbs(float[] v, int count) {
        float range = 0;
        for (int i = 0; i < count; i++) {
            range = Math.max(range, Math.abs(v[i]));
        }
        return range;
    }

    /**
     * Compares {@code got} with {@code want} element by element; null when all are within {@code tol + |want| * eps},
     * else a description with the count and the first mismatching indices and values.
     */
    static String compare(String tensor, Shape shape, float[] want, float[] got, float tol, float eps) {
        int bad = 0;
        StringBuilder first = new StringBuilder();
        for (int i = 0; i < want.length; i++) {
            float limit = tol + Math.abs(want[i]) * eps;
            // Equal values pass, infinities included (their difference is NaN); NaN matches NaN only.
            boolean ok = got[i] == want[i] || (Float.isNaN(want[i]) ? Float.isNaN(got[i])
                    : Math.abs(got[i] - want[i]) <= limit);
            if (!ok) {
                if (bad < SHOW) {
                    first.append(String.format("%n    at %s: gpu %.8g, cpu %.8g (|diff| %.3g > %.3g)",
                            Arrays.toString(index(shape, i)), got[i], want[i], Math.abs(got[i] - want[i]), limit));
                }
                bad++;
            }
        }
        return bad == 0 ? null : String.format("  tensor %s %s: %d of %d elements beyond %.1g + |cpu| * %.1g%s",
                tensor, shape, bad, want.length, tol, eps, first);
    }

    private static int[] index(Shape s, int flat) {
        int[] idx = new int[s.rank()];
        for (int a = s.rank() - 1; a >= 0; a--) {
            idx[a] = flat % s.dim(a);
            flat /= s.dim(a);
        }
        return idx;
    }
}

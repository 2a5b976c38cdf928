package org.cortado.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.cortado.backend.InvalidLabelException;
import org.cortado.backend.LabelledSum;
import org.cortado.backend.LossKernels;
import org.cortado.backend.SolverGradient;
import org.cortado.backend.UpdateKernels;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The training operations of the GPU backend against the CPU's reference loops: the dropout mask and the SGD,
 * Nesterov, Adam, AdaGrad, RMSProp and AdaDelta updates (L2 and L1 decay) bit for bit against {@link UpdateKernels} (the kernels round every float operation as Java
 * does, with no fused multiply-add), the losses and accuracy against {@link LossKernels} (per-element gradients bit for
 * bit, sums in double to rounding). Sizes are odd so that no vector width or block size divides them. Run on a GPU
 * ({@link GpuTrainingKernelsTest}) and on the emulated device ({@link EmulatedTrainingKernelsTest}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class TrainingKernelsContract {
    /** Relative tolerance of a loss summed in double in another order: a few ulps of a double. */
    private static final double SUM_EPS = 1e-12;
    /** Odd sizes: one element, less than a block, a block and one, many blocks and a tail. */
    private static final int[] SIZES = {1, 255, 257, 100_003};

    private GpuBackend gpu;

    abstract GpuBackend open();

    @BeforeAll
    void openBackend() {
        gpu = open();
    }

    @AfterAll
    void close() {
        if (gpu != null) {
            gpu.close();
        }
    }

    /**
     * Values spread over several binades (uniform in [-1, 1) times a power of two in [2^-8, 2^8]), so that products
     * and sums round often: a fused multiply-add shows as a last-bit difference in a good share of the elements.
     */
    private static float[] random(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextDouble(-1, 1) * Math.scalb(1.0, r.nextInt(-8, 9)));
        }
        return v;
    }

    private static float[] positive(int n, long seed) {
        float[] v = random(n, seed);
        for (int i = 0; i < n; i++) {
            v[i] = Math.abs(v[i]);
        }
        return v;
    }

    private Tensor up(float[] values) {
        return gpu.upload(Tensor.wrap(Shape.of(values.length), values.clone()));
    }

    private float[] down(Tensor t) {
        return gpu.download(t).hostData();
    }

    /** Asserts bit equality (0 tolerance; NaN equals NaN) and names the first differing elements. */
    private static void assertBits(String what, float[] want, float[] got) {
        assertNull(OpParity.compare(what, Shape.of(want.length), want, got, 0f, 0f));
    }

    @ParameterizedTest
    @ValueSource(floats = {0f, 0.1f, 0.5f, 0.9f})
    void dropoutMaskIsTheCpuMaskBitForBit(float ratio) {
        for (int n : SIZES) {
            long seed = 0x5EEDL + n;
            float[] want = new float[n];
            UpdateKernels.dropoutMask(want, 0, n, ratio, seed);
            Tensor mask = gpu.allocate(Shape.of(n));
            gpu.fill(mask, Float.NaN);
            gpu.dropoutMask(mask, ratio, seed);
            assertBits("dropout mask, ratio " + ratio + ", n " + n, want, down(mask));
        }
    }

    /** L2 decay, and L1 (which takes the sign of each weight: zeros among them, so that sign 0 is met). */
    private static SolverGradient[] gradients(float scale, float decay) {
        return new SolverGradient[] {new SolverGradient(scale, decay, false), new SolverGradient(scale, decay, true)};
    }

    /** Data with every 17th value 0 (and one -0), so that L1's sign meets zeros. */
    private static float[] weights(int n, long seed) {
        float[] v = random(n, seed);
        for (int i = 0; i < n; i += 17) {
            v[i] = i % 34 == 0 ? 0f : -0f;
        }
        return v;
    }

    /** Caffe's SGD and Nesterov steps: the same arguments, the update rule differs. */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void momentumUpdatesAreTheCpuStepBitForBit(boolean nesterov) {
        String rule = nesterov ? "nesterov" : "sgd";
        for (SolverGradient grad : gradients(0.5f, 1e-3f)) {
            for (int n : SIZES) {
                float[] data = weights(n, 1);
                float[] diff = random(n, 2);
                float[] history = random(n, 3);
                Tensor d = up(data);
                Tensor g = up(diff);
                Tensor h = up(history);
                if (nesterov) {
                    gpu.nesterovUpdate(d, g, h, grad, 0.011f, 0.95f);
                    UpdateKernels.nesterov(data, diff, history, 0, n, grad, 0.011f, 0.95f);
                } else {
                    gpu.sgdUpdate(d, g, h, grad, 0.013f, 0.9f);
                    UpdateKernels.sgd(data, diff, history, 0, n, grad, 0.013f, 0.9f);
                }
                String what = rule + " " + grad + ", n " + n;
                assertBits(what + " data", data, down(d));
                assertBits(what + " history", history, down(h));
                assertBits(what + " diff (not modified)", diff, down(g));
            }
        }
    }

    @Test
    void adamUpdateIsTheCpuStepBitForBit() {
        for (SolverGradient grad : gradients(0.25f, 5e-4f)) {
            for (int n : SIZES) {
                float[] data = weights(n, 7);
                float[] diff = random(n, 8);
                float[] m = random(n, 9);
                float[] v = positive(n, 10);
                Tensor d = up(data);
                Tensor g = up(diff);
                Tensor gm = up(m);
                Tensor gv = up(v);
                // lrCorrected as the Solver folds it at t = 3 for beta1 0.9, beta2 0.999
                float lr = (float) (1e-3 * Math.sqrt(1 - Math.pow(0.999, 3)) / (1 - Math.pow(0.9, 3)));
                gpu.adamUpdate(d, g, gm, gv, grad, lr, 0.9f, 0.999f, 1e-8f);
                UpdateKernels.adam(data, diff, m, v, 0, n, grad, lr, 0.9f, 0.999f, 1e-8f);
                String what = "adam " + grad + ", n " + n;
                assertBits(what + " data", data, down(d));
                assertBits(what + " m", m, down(gm));
                assertBits(what + " v", v, down(gv));
                assertBits(what + " diff (not modified)", diff, down(g));
            }
        }
    }

    /** AdaGrad and RMSProp: one history of squared gradients each, the same arguments but RMSProp's decay. */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void adaGradAndRmsPropAreTheCpuStepBitForBit(boolean rmsProp) {
        String rule = rmsProp ? "rmsprop" : "adagrad";
        for (SolverGradient grad : gradients(0.37f, 5e-4f)) {
            for (int n : SIZES) {
                float[] data = weights(n, 21);
                float[] diff = random(n, 22);
                float[] history = positive(n, 23);
                Tensor d = up(data);
                Tensor g = up(diff);
                Tensor h = up(history);
                if (rmsProp) {
                    gpu.rmsPropUpdate(d, g, h, grad, 0.013f, 0.98f, 1e-8f);
                    UpdateKernels.rmsProp(data, diff, history, 0, n, grad, 0.013f, 0.98f, 1e-8f);
                } else {
                    gpu.adaGradUpdate(d, g, h, grad, 0.013f, 1e-8f);
                    UpdateKernels.adaGrad(data, diff, history, 0, n, grad, 0.013f, 1e-8f);
                }
                String what = rule + " " + grad + ", n " + n;
                assertBits(what + " data", data, down(d));
                assertBits(what + " history", history, down(h));
                assertBits(what + " diff (not modified)", diff, down(g));
            }
        }
    }

    @Test
    void adaDeltaIsTheCpuStepBitForBit() {
        for (SolverGradient grad : gradients(0.5f, 1e-3f)) {
            for (int n : SIZES) {
                float[] data = weights(n, 31);
                float[] diff = random(n, 32);
                float[] history = positive(n, 33);
                float[] updates = positive(n, 34);
                Tensor d = up(data);
                Tensor g = up(diff);
                Tensor h = up(history);
                Tensor u = up(updates);
                gpu.adaDeltaUpdate(d, g, h, u, grad, 1f, 0.95f, 1e-6f);
                UpdateKernels.adaDelta(data, diff, history, updates, 0, n, grad, 1f, 0.95f, 1e-6f);
                String what = "adadelta " + grad + ", n " + n;
                assertBits(what + " data", data, down(d));
                assertBits(what + " history", history, down(h));
                assertBits(what + " updates", updates, down(u));
                assertBits(what + " diff (not modified)", diff, down(g));
            }
        }
    }

    // ---- losses and accuracy ----------------------------------------------------------------------------------------

    /** Probabilities of (outer, channels, inner), each position's column normalised, a few below FLT_MIN. */
    private static float[] probabilities(int outer, int channels, int inner, long seed) {
        float[] p = positive(outer * channels * inner, seed);
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                float sum = 0;
                for (int c = 0; c < channels; c++) {
                    sum += p[(o * channels + c) * inner + i];
                }
                for (int c = 0; c < channels; c++) {
                    p[(o * channels + c) * inner + i] /= sum;
                }
            }
        }
        p[0] = 0f;
        p[p.length - 1] = 1e-40f;
        return p;
    }

    /** Labels in [0, classes) with every seventh position set to {@code ignore} (when not null). */
    private static float[] labels(int positions, int classes, Integer ignore, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] l = new float[positions];
        for (int i = 0; i < positions; i++) {
            l[i] = ignore != null && i % 7 == 3 ? ignore : r.nextInt(classes);
        }
        return l;
    }

    private static void assertSum(String what, LabelledSum want, LabelledSum got) {
        assertEquals(want.labelled(), got.labelled(), what + ": labelled positions");
        assertEquals(want.sum(), got.sum(), Math.abs(want.sum()) * SUM_EPS, what + ": sum");
    }

    @Test
    void softmaxLossOverClassesAndSpatialPositions() {
        // (outer, channels, inner): class scores of an odd batch, and a spatial loss with ignored positions
        int[][] views = {{257, 13, 1}, {3, 5, 77}, {1, 1000, 1}};
        for (int[] v : views) {
            int outer = v[0];
            int channels = v[1];
            int inner = v[2];
            for (Integer ignore : new Integer[] {null, 255}) {
                String what = "softmax loss (" + outer + ", " + channels + ", " + inner + "), ignore " + ignore;
                float[] prob = probabilities(outer, channels, inner, outer + channels);
                float[] lab = labels(outer * inner, channels, ignore, inner);
                Tensor p = up(prob);
                Tensor l = up(lab);
                assertSum(what, LossKernels.softmaxLoss(prob, lab, outer, channels, inner, ignore),
                        gpu.softmaxLossForward(p, l, outer, channels, inner, ignore));
                float[] want = new float[prob.length];
                LossKernels.softmaxLossGradient(prob, lab, want, outer, channels, inner, ignore, 0.37f);
                Tensor dinp = gpu.allocate(Shape.of(prob.length));
                gpu.fill(dinp, Float.NaN);
                gpu.softmaxLossBackward(p, l, dinp, outer, channels, inner, ignore, 0.37f);
                assertBits(what + " gradient", want, down(dinp));
            }
        }
    }

    @Test
    void hingeLossL1AndL2() {
        int num = 37;
        int dim = 11;
        float[] scores = random(num * dim, 11);
        float[] lab = labels(num, dim, null, 12);
        Tensor s = up(scores);
        Tensor l = up(lab);
        for (boolean squared : new boolean[] {false, true}) {
            String what = "hinge loss " + (squared ? "L2" : "L1");
            double want = LossKernels.hingeLoss(scores, lab, num, dim, squared);
            assertEquals(want, gpu.hingeLossForward(s, l, num, dim, squared), Math.abs(want) * SUM_EPS, what);
            float[] grad = new float[scores.length];
            LossKernels.hingeLossGradient(scores, lab, grad, num, dim, squared, 0.125f);
            Tensor dinp = gpu.allocate(Shape.of(scores.length));
            gpu.fill(dinp, Float.NaN);
            gpu.hingeLossBackward(s, l, dinp, num, dim, squared, 0.125f);
            assertBits(what + " gradient", grad, down(dinp));
        }
    }

    @Test
    void accuracyTopKWithTiesAndIgnoredLabels() {
        int outer = 301;
        int channels = 10;
        int inner = 3;
        float[] scores = random(outer * channels * inner, 13);
        // Ties: round a share of the scores to a coarse grid, so that the label's score often equals another one.
        for (int i = 0; i < scores.length; i += 3) {
            scores[i] = Math.round(scores[i] * 4) / 4f;
        }
        Tensor s = up(scores);
        for (Integer ignore : new Integer[] {null, -1}) {
            float[] lab = labels(outer * inner, channels, ignore, 14);
            Tensor l = up(lab);
            for (int k : new int[] {1, 3, 10}) {
                assertSum("accuracy top " + k + ", ignore " + ignore,
                        LossKernels.accuracy(scores, lab, outer, channels, inner, k, ignore),
                        gpu.accuracy(s, l, outer, channels, inner, k, ignore));
            }
        }
    }

    @Test
    void anInvalidLabelIsReportedAtItsLowestPositionWithItsValue() {
        int outer = 1000;
        int channels = 4;
        float[] prob = probabilities(outer, channels, 1, 15);
        float[] lab = labels(outer, channels, null, 16);
        lab[700] = 2.5f;
        lab[613] = 4f;
        lab[900] = Float.NaN;
        Tensor p = up(prob);
        Tensor l = up(lab);
        InvalidLabelException cpu = assertThrows(InvalidLabelException.class,
                () -> LossKernels.softmaxLoss(prob, lab, outer, channels, 1, null));
        InvalidLabelException loss = assertThrows(InvalidLabelException.class,
                () -> gpu.softmaxLossForward(p, l, outer, channels, 1, null));
        InvalidLabelException acc = assertThrows(InvalidLabelException.class,
                () -> gpu.accuracy(p, l, outer, channels, 1, 1, null));
        InvalidLabelException hinge = assertThrows(InvalidLabelException.class,
                () -> gpu.hingeLossForward(p, l, outer, channels, false));
        for (InvalidLabelException e : Arrays.asList(loss, acc, hinge)) {
            assertEquals(cpu.getMessage(), e.getMessage());
        }
        assertEquals(613, cpu.position());
        assertEquals(4f, cpu.label());
    }
}

package org.cortado.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.cortado.backend.Backend;
import org.cortado.backend.CounterRng;
import org.cortado.caffe.Prototxt;
import org.cortado.caffe.proto.Caffe.LayerParameter;
import org.cortado.layers.Layer;
import org.cortado.layers.LayerFactory;
import org.cortado.layers.Param;
import org.cortado.layers.Phase;
import org.cortado.net.Net;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * Finite-difference check of a layer's backward pass, after Caffe's test_gradient_check_util.hpp: for every element
 * {@code x} of every bottom the layer can propagate to, and of every learned parameter, the analytic gradient of
 * the objective {@code f = sum over tops of w . top} (fixed random weights {@code w}; for a loss the loss weight) is
 * compared with the central difference {@code (f(x + h) - f(x - h)) / 2h}, the objective summed in double. They
 * agree when {@code |a - n| <= threshold * max(|a|, |n|, 1)}. Elements within {@code kinkRange} of a kink (0 for
 * ReLU) are skipped, as Caffe does; MAX-type layers are fed values spaced wider than {@code 2h} (see
 * {@link #distinct}), so that no step changes which input wins.
 *
 * <p>Works on any backend: values move through {@link Backend#upload}/{@link Backend#download}.
 */
public final class GradientChecker {
    /** Caffe's step for float layers. */
    public static final double STEP = 1e-2;
    /** Caffe's relative threshold. */
    public static final double THRESHOLD = 1e-3;
    /** Seed of the top weights and of the generated inputs, unless a test gives one. */
    public static final long SEED = 1701;

    private final Backend backend;
    private double step = STEP;
    private double threshold = THRESHOLD;
    private double kink = Double.NaN;
    private double kinkRange;
    private Phase phase = Phase.TRAIN;
    private long seed = SEED;
    private int onlyTop = -1;

    public GradientChecker(Backend backend) {
        this.backend = backend;
    }

    /** Skips elements {@code x} with {@code |x - kink| < range} (Caffe's kink and kink_range). */
    public GradientChecker kink(double kink, double range) {
        this.kink = kink;
        this.kinkRange = range;
        return this;
    }

    /** Another relative threshold; a test that loosens it must say why. */
    public GradientChecker threshold(double threshold) {
        this.threshold = threshold;
        return this;
    }

    public GradientChecker step(double step) {
        this.step = step;
        return this;
    }

    /**
     * Puts weight on top {@code top} only (Caffe's top_id), for layers whose other tops are outputs without a
     * gradient, such as the probabilities of SoftmaxWithLoss.
     */
    public GradientChecker onlyTop(int top) {
        this.onlyTop = top;
        return this;
    }

    public GradientChecker phase(Phase phase) {
        this.phase = phase;
        return this;
    }

    public GradientChecker seed(long seed) {
        this.seed = seed;
        return this;
    }

    // ---- building blocks for tests ----------------------------------------------------------------------------------

    /** A layer from its prototxt text, e.g. {@code "type: 'ReLU' bottom: 'x' top: 'y'"} (name defaults to "l"). */
    public static Layer layer(String prototxt) {
        LayerParameter.Builder b = LayerParameter.newBuilder();
        Prototxt.parseText("test layer", prototxt, b);
        if (!b.hasName()) {
            b.setName("l");
        }
        return LayerFactory.create(b.build());
    }

    /** Host tensor with N(0, std^2) values from {@link CounterRng} stream {@code seed}. */
    public static Tensor gaussian(Shape shape, double std, long seed) {
        float[] v = new float[shape.count()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (std * CounterRng.gaussian(seed, i));
        }
        return Tensor.wrap(shape, v);
    }

    /** Host tensor with uniform values in [lo, hi). */
    public static Tensor uniform(Shape shape, double lo, double hi, long seed) {
        float[] v = new float[shape.count()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (lo + (hi - lo) * CounterRng.uniformDouble(seed, i));
        }
        return Tensor.wrap(shape, v);
    }

    /**
     * Host tensor whose values are a shuffled arithmetic sequence centred on 0 with gaps of {@code spacing}, so
     * that no two differ by less than {@code spacing} (inputs for MAX pooling and Eltwise MAX).
     */
    public static Tensor distinct(Shape shape, double spacing, long seed) {
        int n = shape.count();
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = CounterRng.uniformInt(seed, i, i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) ((order[i] - (n - 1) / 2.0) * spacing);
        }
        return Tensor.wrap(shape, v);
    }

    /** Host tensor of class labels in [0, classes), with {@code ignore} at every position where the index is. */
    public static Tensor labels(Shape shape, int classes, long seed) {
        float[] v = new float[shape.count()];
        for (int i = 0; i < v.length; i++) {
            v[i] = CounterRng.uniformInt(seed, i, classes);
        }
        return Tensor.wrap(shape, v);
    }

    /** Sets up {@code layer} for {@code bottoms} and fills its parameters with N(0, std^2) values. */
    public Layer setUp(Layer layer, List<Tensor> bottoms, double std) {
        layer.setUp(backend, shapes(bottoms));
        int k = 0;
        for (Param p : layer.params()) {
            backend.copy(backend.upload(gaussian(p.shape(), std, CounterRng.derive(seed, 100 + k++))), p.data());
        }
        return layer;
    }

    /**
     * The one-line form: builds the layer from {@code prototxt}, sets it up with N(0, 0.5^2) parameters and checks
     * it on {@code bottoms}. Returns the layer for further assertions.
     */
    public Layer check(String prototxt, Tensor... bottoms) {
        Layer layer = layer(prototxt);
        List<Tensor> list = List.of(bottoms);
        setUp(layer, list, PARAM_STD);
        check(layer, list);
        return layer;
    }

    /** Standard deviation of the parameters {@link #check(String, Tensor...)} draws. */
    public static final double PARAM_STD = 0.5;

    // ---- the check --------------------------------------------------------------------------------------------------

    /**
     * Checks {@code layer} (already set up, e.g. by {@link #setUp}) on host {@code bottoms}: every bottom the layer
     * can propagate to and every learned parameter. Fails listing the first mismatches.
     */
    public void check(Layer layer, List<Tensor> hostBottoms) {
        List<Tensor> bottoms = new ArrayList<>();
        for (Tensor t : hostBottoms) {
            bottoms.add(backend.upload(t));
        }
        List<Shape> topShapes = layer.reshape(shapes(bottoms));
        List<Tensor> tops = new ArrayList<>();
        List<Tensor> topDiffs = new ArrayList<>();
        List<float[]> weights = new ArrayList<>();
        for (int t = 0; t < topShapes.size(); t++) {
            tops.add(backend.allocate(topShapes.get(t)));
            Tensor w = onlyTop < 0 || onlyTop == t ? gaussian(topShapes.get(t), 1.0, CounterRng.derive(seed, t))
                    : Tensor.zeros(topShapes.get(t));
            weights.add(w.hostData());
            topDiffs.add(backend.upload(w));
        }
        List<Tensor> views = layer.topViews(bottoms, topShapes);
        if (views != null) {
            tops = new ArrayList<>(views);
        }

        // Analytic gradients: one forward, then backward with the top weights as top gradients.
        List<Tensor> bottomDiffs = new ArrayList<>();
        for (int b = 0; b < bottoms.size(); b++) {
            bottomDiffs.add(layer.canPropagateTo(b) ? backend.allocate(bottoms.get(b).shape()) : null);
        }
        for (Param p : layer.params()) {
            if (p.isLearned()) {
                backend.fill(p.diff(backend), 0f);
            }
        }
        forward(layer, bottoms, tops);
        layer.backward(backend, bottoms, tops, topDiffs, bottomDiffs);

        List<String> failures = new ArrayList<>();
        int[] checked = {0};
        List<Tensor> finalTops = tops;
        for (int b = 0; b < bottoms.size(); b++) {
            if (bottomDiffs.get(b) != null) {
                compare("bottom " + b, bottoms.get(b), backend.download(bottomDiffs.get(b)).hostData(), true,
                        () -> objective(layer, bottoms, finalTops, weights), failures, checked);
            }
        }
        for (int k = 0; k < layer.params().size(); k++) {
            Param p = layer.params().get(k);
            if (p.isLearned()) {
                compare("param " + k + " " + p.name(), p.data(), backend.download(p.diff(backend)).hostData(), false,
                        () -> objective(layer, bottoms, finalTops, weights), failures, checked);
            }
        }
        if (checked[0] == 0) {
            fail(layer + ": no element was checked (all skipped or nothing to check)");
        }
        if (!failures.isEmpty()) {
            fail(layer + ": " + failures.size() + " gradient mismatch(es) of " + checked[0] + " checked; first: "
                    + String.join("; ", failures.subList(0, Math.min(8, failures.size()))));
        }
    }

    /**
     * Checks a whole net's parameter gradients: the objective is {@link Net#loss} after a forward in the net's
     * current mode on {@code inputs} (random streams reset before each forward); every learned parameter's elements
     * are checked, at most {@code maxPerParam} of them (evenly spaced) each.
     */
    public void checkNet(Net net, Map<String, Tensor> inputs, int maxPerParam) {
        net.clearParamDiffs();
        net.setRandomState(seed, 0);
        net.forwardBackward(inputs);
        List<String> failures = new ArrayList<>();
        int[] checked = {0};
        Objective f = () -> {
            net.setRandomState(seed, 0);
            net.forward(inputs);
            return net.loss();
        };
        for (Param p : net.params()) {
            if (p.isLearned()) {
                float[] analytic = Arrays.copyOf(backend.download(p.diff(backend)).hostData(), p.shape().count());
                compare("param " + p.name(), p.data(), analytic, false, f, failures, checked,
                        Math.max(1, p.shape().count() / maxPerParam));
            }
        }
        if (checked[0] == 0) {
            fail("net '" + net.name() + "': no learned parameter was checked");
        }
        if (!failures.isEmpty()) {
            fail("net '" + net.name() + "': " + failures.size() + " gradient mismatch(es) of " + checked[0]
                    + " checked; first: " + String.join("; ", failures.subList(0, Math.min(8, failures.size()))));
        }
    }

    private interface Objective {
        double value();
    }

    private void compare(String what, Tensor t, float[] analytic, boolean applyKink, Objective f,
                         List<String> failures, int[] checked) {
        compare(what, t, analytic, applyKink, f, failures, checked, 1);
    }

    private void compare(String what, Tensor t, float[] analytic, boolean applyKink, Objective f,
                         List<String> failures, int[] checked, int stride) {
        float[] host = Arrays.copyOf(backend.download(t).hostData(), t.count());
        for (int i = 0; i < host.length; i += stride) {
            float x = host[i];
            if (applyKink && !Double.isNaN(kink) && Math.abs(x - kink) < kinkRange) {
                continue;
            }
            host[i] = (float) (x + step);
            set(t, host);
            double plus = f.value();
            host[i] = (float) (x - step);
            set(t, host);
            double minus = f.value();
            host[i] = x;
            set(t, host);
            // The step as the float perturbation actually applied, not the nominal one.
            double numeric = (plus - minus) / ((double) (float) (x + step) - (float) (x - step));
            double a = analytic[i];
            double scale = Math.max(Math.max(Math.abs(a), Math.abs(numeric)), 1.0);
            checked[0]++;
            if (!(Math.abs(a - numeric) <= threshold * scale)) {
                failures.add(String.format("%s[%d] (x = %.5g): analytic %.6g, numeric %.6g", what, i, x, a, numeric));
            }
        }
    }

    private void set(Tensor t, float[] host) {
        backend.copy(backend.upload(Tensor.wrap(t.shape(), host)), t);
    }

    private double objective(Layer layer, List<Tensor> bottoms, List<Tensor> tops, List<float[]> weights) {
        forward(layer, bottoms, tops);
        double f = 0;
        for (int t = 0; t < tops.size(); t++) {
            float[] y = backend.download(tops.get(t)).hostData();
            float[] w = weights.get(t);
            for (int i = 0; i < w.length; i++) {
                f += (double) w[i] * y[i];
            }
        }
        return f;
    }

    /** Forward with the random stream reset, so that a stochastic layer draws the same mask each time. */
    private void forward(Layer layer, List<Tensor> bottoms, List<Tensor> tops) {
        layer.setRandomState(seed, 0);
        layer.forward(backend, phase, bottoms, tops);
    }

    private static List<Shape> shapes(List<Tensor> tensors) {
        List<Shape> s = new ArrayList<>();
        for (Tensor t : tensors) {
            s.add(t.shape());
        }
        return s;
    }
}

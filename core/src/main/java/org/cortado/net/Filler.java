package org.cortado.net;

import org.cortado.backend.CounterRng;
import org.cortado.layers.NetDefinitionException;
import org.cortado.tensor.HostMemory;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * Caffe's weight fillers (filler.hpp), drawing from {@link CounterRng} so that a seed gives the same values
 * everywhere. With {@code fan_in = count / shape[0]} and {@code fan_out = count / shape[1]} (Caffe's definitions:
 * for a convolution weight {@code (K, C, kh, kw)} these are {@code C kh kw} and {@code K kh kw}) and {@code n} the
 * one {@code variance_norm} picks (FAN_IN, FAN_OUT or their AVERAGE):
 * <ul>
 *   <li>{@code constant}: {@code value};</li>
 *   <li>{@code uniform}: uniform in {@code [min, max)};</li>
 *   <li>{@code gaussian}: N(mean, std^2); with {@code sparse = s >= 0} each element is kept with probability
 *       {@code s / shape[0]} and zero otherwise;</li>
 *   <li>{@code xavier}: uniform in {@code [-sqrt(3/n), sqrt(3/n))};</li>
 *   <li>{@code msra}: N(0, 2/n);</li>
 *   <li>{@code positive_unitball}: uniform in [0, 1), each of the {@code shape[0]} rows scaled to sum 1;</li>
 *   <li>{@code bilinear}: the 4-D upsampling kernel {@code (1 - |x/f - c|)(1 - |y/f - c|)}, {@code f =
 *       ceil(kw/2)}, {@code c = (2f - 1 - f % 2) / 2f}.</li>
 * </ul>
 */
public final class Filler {
    public static final String SUPPORTED = "constant, uniform, gaussian, xavier, msra, positive_unitball, bilinear";

    private Filler() {
    }

    /** A host tensor of {@code shape} filled as {@code p} says, from random stream {@code seed}. */
    public static Tensor fill(FillerSpec p, Shape shape, long seed, String who) {
        float[] v = HostMemory.floats(shape.count(), () -> who + ": " + p.type() + " filler values " + shape);
        int count = v.length;
        switch (p.type()) {
            case "constant" -> java.util.Arrays.fill(v, p.value());
            case "uniform" -> uniform(v, p.min(), p.max(), seed);
            case "gaussian" -> {
                for (int i = 0; i < count; i++) {
                    v[i] = (float) (p.mean() + p.std() * CounterRng.gaussian(seed, i));
                }
                if (p.sparse() >= 0) {
                    double keep = (double) p.sparse() / shape.dim(0);
                    long maskSeed = CounterRng.derive(seed, 1);
                    for (int i = 0; i < count; i++) {
                        if (CounterRng.uniformDouble(maskSeed, i) >= keep) {
                            v[i] = 0f;
                        }
                    }
                }
            }
            case "xavier" -> {
                float scale = (float) Math.sqrt(3.0 / fan(p, shape, who));
                uniform(v, -scale, scale, seed);
            }
            case "msra" -> {
                double std = Math.sqrt(2.0 / fan(p, shape, who));
                for (int i = 0; i < count; i++) {
                    v[i] = (float) (std * CounterRng.gaussian(seed, i));
                }
            }
            case "positive_unitball" -> {
                uniform(v, 0f, 1f, seed);
                int rows = shape.dim(0);
                int dim = count / rows;
                for (int r = 0; r < rows; r++) {
                    double sum = 0;
                    for (int j = 0; j < dim; j++) {
                        sum += v[r * dim + j];
                    }
                    for (int j = 0; j < dim; j++) {
                        v[r * dim + j] /= (float) sum;
                    }
                }
            }
            case "bilinear" -> bilinear(v, shape, who);
            default -> throw new NetDefinitionException(who + ": unknown filler type '" + p.type()
                    + "'; supported: " + SUPPORTED);
        }
        return Tensor.wrap(shape, v);
    }

    private static void uniform(float[] v, float lo, float hi, long seed) {
        for (int i = 0; i < v.length; i++) {
            v[i] = lo + (hi - lo) * CounterRng.uniform(seed, i);
        }
    }

    /** Caffe's fan for xavier and msra. */
    static double fan(FillerSpec p, Shape shape, String who) {
        if (shape.rank() < 1 || shape.count() == 0) {
            throw new NetDefinitionException(who + ": cannot fill an empty blob " + shape);
        }
        double fanIn = (double) shape.count() / shape.dim(0);
        double fanOut = shape.rank() > 1 ? (double) shape.count() / shape.dim(1) : shape.count();
        return switch (p.varianceNorm()) {
            case FAN_IN -> fanIn;
            case FAN_OUT -> fanOut;
            case AVERAGE -> (fanIn + fanOut) / 2;
        };
    }

    private static void bilinear(float[] v, Shape shape, String who) {
        if (shape.rank() != 4 || shape.dim(2) != shape.dim(3)) {
            throw new NetDefinitionException(who + ": the bilinear filler needs a square 4-D kernel, got " + shape);
        }
        int k = shape.dim(3);
        int f = (k + 1) / 2;
        double c = (2 * f - 1 - f % 2) / (2.0 * f);
        for (int i = 0; i < v.length; i++) {
            int x = i % k;
            int y = (i / k) % k;
            v[i] = (float) ((1 - Math.abs(x / (double) f - c)) * (1 - Math.abs(y / (double) f - c)));
        }
    }
}

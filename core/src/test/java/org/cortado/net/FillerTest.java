package org.cortado.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.cortado.caffe.proto.Caffe.FillerParameter;
import org.cortado.caffe.proto.Caffe.FillerParameter.VarianceNorm;
import org.cortado.layers.NetDefinitionException;
import org.cortado.net.proto.NetProtos;
import org.cortado.tensor.Shape;
import org.junit.jupiter.api.Test;

/** Caffe's filler definitions, checked by the statistics of large fills (tolerances of 6 standard errors). */
class FillerTest {
    /** A convolution weight (K=64, C=32, 3, 3): fan_in = 32*9 = 288, fan_out = 64*9 = 576. */
    private static final Shape CONV = Shape.of(64, 32, 3, 3);

    private static double[] meanAndVariance(float[] v) {
        double sum = 0;
        double sumSq = 0;
        for (float x : v) {
            sum += x;
            sumSq += (double) x * x;
        }
        double mean = sum / v.length;
        return new double[] {mean, sumSq / v.length - mean * mean};
    }

    private static float[] fill(FillerParameter.Builder p, Shape shape) {
        return Filler.fill(NetProtos.filler(p.build()), shape, 42, "test").hostData();
    }

    @Test
    void constant() {
        float[] v = fill(FillerParameter.newBuilder().setType("constant").setValue(0.25f), Shape.of(7));
        assertArrayEquals(new float[] {0.25f, 0.25f, 0.25f, 0.25f, 0.25f, 0.25f, 0.25f}, v);
    }

    @Test
    void uniformStaysInItsRange() {
        float[] v = fill(FillerParameter.newBuilder().setType("uniform").setMin(-2).setMax(3), CONV);
        double[] mv = meanAndVariance(v);
        for (float x : v) {
            assertTrue(x >= -2 && x < 3, "value " + x);
        }
        assertEquals(0.5, mv[0], 6 * Math.sqrt(25.0 / 12 / v.length));
        assertEquals(25.0 / 12, mv[1], 0.05);
    }

    @Test
    void gaussianMeanAndStd() {
        float[] v = fill(FillerParameter.newBuilder().setType("gaussian").setMean(1).setStd(0.5f), CONV);
        double[] mv = meanAndVariance(v);
        assertEquals(1.0, mv[0], 6 * 0.5 / Math.sqrt(v.length));
        assertEquals(0.25, mv[1], 0.01);
    }

    @Test
    void sparseGaussianKeepsSparseOverOutputs() {
        // sparse: 8 of 64 outputs on average: each weight non-zero with probability 8/64.
        float[] v = fill(FillerParameter.newBuilder().setType("gaussian").setStd(1).setSparse(8), CONV);
        int nonZero = 0;
        for (float x : v) {
            nonZero += x != 0 ? 1 : 0;
        }
        double p = 8.0 / 64;
        assertEquals(p, (double) nonZero / v.length, 6 * Math.sqrt(p * (1 - p) / v.length));
    }

    @Test
    void xavierUsesTheChosenFan() {
        for (var norm : VarianceNorm.values()) {
            double n = switch (norm) {
                case FAN_IN -> 288;
                case FAN_OUT -> 576;
                case AVERAGE -> (288 + 576) / 2.0;
            };
            float[] v = fill(FillerParameter.newBuilder().setType("xavier").setVarianceNorm(norm), CONV);
            double bound = Math.sqrt(3 / n);
            for (float x : v) {
                assertTrue(Math.abs(x) <= bound, norm + ": " + x + " beyond " + bound);
            }
            // Uniform in [-b, b): variance b^2 / 3 = 1 / n.
            assertEquals(1 / n, meanAndVariance(v)[1], 0.05 / n, norm.toString());
        }
    }

    @Test
    void msraVarianceIsTwoOverFan() {
        float[] v = fill(FillerParameter.newBuilder().setType("msra"), CONV);
        assertEquals(2.0 / 288, meanAndVariance(v)[1], 0.05 * 2 / 288);
        float[] out = fill(FillerParameter.newBuilder().setType("msra").setVarianceNorm(VarianceNorm.FAN_OUT), CONV);
        assertEquals(2.0 / 576, meanAndVariance(out)[1], 0.05 * 2 / 576);
    }

    @Test
    void positiveUnitballRowsSumToOne() {
        float[] v = fill(FillerParameter.newBuilder().setType("positive_unitball"), Shape.of(5, 12));
        for (int r = 0; r < 5; r++) {
            double sum = 0;
            for (int j = 0; j < 12; j++) {
                assertTrue(v[r * 12 + j] >= 0);
                sum += v[r * 12 + j];
            }
            assertEquals(1.0, sum, 1e-6);
        }
    }

    @Test
    void bilinearIsTheUpsamplingKernel() {
        // kernel 4: f = 2, c = 0.75; weights along one axis 0.25, 0.75, 0.75, 0.25.
        float[] v = fill(FillerParameter.newBuilder().setType("bilinear"), Shape.of(1, 1, 4, 4));
        float[] axis = {0.25f, 0.75f, 0.75f, 0.25f};
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 4; x++) {
                assertEquals(axis[y] * axis[x], v[y * 4 + x], 1e-7);
            }
        }
    }

    @Test
    void sameSeedSameValues() {
        var p = FillerParameter.newBuilder().setType("gaussian").setStd(1).build();
        assertArrayEquals(Filler.fill(FillerSpec.gaussian(1), CONV, 3, "t").hostData(),
                Filler.fill(NetProtos.filler(p), CONV, 3, "t").hostData());
    }

    @Test
    void unknownTypeNamesTheLayerAndTheSupportedOnes() {
        var e = assertThrows(NetDefinitionException.class, () -> Filler.fill(FillerSpec.of("orthogonal"), CONV, 1, "layer 'fc9' (InnerProduct)"));
        assertTrue(e.getMessage().contains("fc9") && e.getMessage().contains("orthogonal")
                && e.getMessage().contains("msra"), e.getMessage());
    }

    @Test
    void aSpecAndCaffesMessageCarryTheSameFields() {
        FillerSpec f = FillerSpec.of("xavier").withValue(2).withRange(-1, 3).withMean(0.5f).withStd(0.25f)
                .withSparse(4).withVarianceNorm(FillerSpec.VarianceNorm.AVERAGE);
        FillerParameter p = NetProtos.filler(f);
        assertEquals(FillerParameter.VarianceNorm.AVERAGE, p.getVarianceNorm());
        assertEquals(f, NetProtos.filler(p));
        assertEquals(FillerSpec.of("constant"), NetProtos.filler(FillerParameter.getDefaultInstance()),
                "Caffe's defaults");
    }
}

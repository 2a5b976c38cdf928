package org.cortado.net;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.cortado.backend.cpu.CpuBackend;
import org.cortado.caffe.Prototxt;
import org.cortado.caffe.proto.Caffe.NetParameter;
import org.cortado.layers.Param;
import org.cortado.layers.Phase;
import org.cortado.net.proto.NetProtos;
import org.cortado.tensor.Tensor;
import org.cortado.testing.GradientChecker;

/** What the tests of a net's fused forms share: a small training net with fixed random weights, and bit equality. */
final class FusionTesting {
    private FusionTesting() {
    }

    /** Net {@code text} built for TRAIN on {@code backend}, each parameter N(0, 0.5^2) from seed {@code seed}, +1, ... */
    static Net trainingNet(String text, CpuBackend backend, long seed) {
        NetParameter.Builder b = NetParameter.newBuilder();
        Prototxt.parseText("test net", text, b);
        Net net = NetProtos.build(b.build(), Phase.TRAIN, backend);
        long k = seed;
        for (Param p : net.params()) {
            backend.copy(GradientChecker.gaussian(p.shape(), 0.5, k++), p.data());
        }
        return net;
    }

    /** {@code got} has {@code want}'s shape and bits, or the first differing element is named. */
    static void assertBitsEqual(String what, Tensor want, Tensor got) {
        assertEquals(want.shape(), got.shape(), what);
        float[] w = want.hostData();
        float[] g = got.hostData();
        for (int i = 0; i < w.length; i++) {
            if (Float.floatToRawIntBits(w[i]) != Float.floatToRawIntBits(g[i])) {
                throw new AssertionError(what + ": element " + i + " is " + g[i] + ", expected " + w[i]);
            }
        }
    }
}

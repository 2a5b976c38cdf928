package org.cortado.net;

import static org.cortado.net.NetBuildTest.parse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.cortado.backend.cpu.CpuBackend;
import org.cortado.layers.NetDefinitionException;
import org.cortado.layers.Phase;
import org.cortado.net.proto.NetProtos;
import org.cortado.tensor.InsufficientMemoryException;
import org.cortado.tensor.Shape;
import org.cortado.testing.HostileFiles;
import org.junit.jupiter.api.Test;

/**
 * Net definitions whose sizes overflow or exceed the heap (issue 24): refused before allocation, naming the layer;
 * a net built for its shapes only allocates nothing and so lists them all.
 */
class HostileNetTest {
    private static final String INPUT = "layer { name: \"data\" type: \"Input\" top: \"data\"\n"
            + "  input_param { shape { dim: 1 dim: 3 dim: 8 dim: 8 } } }\n";

    @Test
    void weightsLargerThanTheHeapAreRefusedNamingTheLayerAndParameter() {
        // (2000000000, 1) floats are 8 GB; the tests' heap is 6 GB at most (pom.xml).
        long max = Runtime.getRuntime().maxMemory();
        if (max >= 8_000_000_000L) {
            return;
        }
        var e = assertThrows(InsufficientMemoryException.class, () -> NetProtos.build(parse(
                HostileFiles.wideInnerProduct(2_000_000_000, 1, 1, 1)), Phase.TEST, new CpuBackend(1)));
        assertTrue(e.getMessage().startsWith("layer 'fc6' (InnerProduct): parameter 0 of shape (2000000000, 1): "
                + "2000000000 floats need 8.0 GB, more than the "), e.getMessage());
    }

    @Test
    void weightsBeyondOneTensorAreANetDefinitionErrorNamingTheLayer() {
        var e = assertThrows(NetDefinitionException.class, () -> NetProtos.build(parse(
                HostileFiles.wideInnerProduct(2_000_000_000, 3, 32, 32)), Phase.TEST, new CpuBackend(1)));
        assertEquals("layer 'fc6' (InnerProduct): shape (2000000000, 3072) has 6144000000000 elements (24.6 TB as"
                + " float32), more than the 2147483647 (2^31-1) one tensor holds", e.getMessage());
    }

    @Test
    void aNetBuiltForShapesOnlyListsWhatItCouldNotHold() {
        Net net = NetProtos.build(parse(HostileFiles.wideInnerProduct(2_000_000_000, 1, 1, 1)), Phase.TEST,
                ShapesOnly.backend());
        assertEquals(Shape.of(1, 2_000_000_000), net.topShapesOf(1).get(0));
        assertEquals(Shape.of(2_000_000_000, 1), net.layers().get(1).params().get(0).shape());
        assertThrows(UnsupportedOperationException.class, net::forward);
    }

    @Test
    void geometryFromHugeParametersIsComputedWithoutOverflow() {
        // pad 2^30: 8 + 2^31 overflows an int; the output would be 2^31 + 7 positions.
        var conv = assertThrows(NetDefinitionException.class, () -> NetProtos.build(parse(INPUT
                + "layer { name: \"c\" type: \"Convolution\" bottom: \"data\" top: \"c\"\n"
                + "  convolution_param { num_output: 1 kernel_size: 1 pad: 1073741824 } }"), Phase.TEST,
                ShapesOnly.backend()));
        assertTrue(conv.getMessage().startsWith("layer 'c' (Convolution): convolution output of 2147483656 x"),
                conv.getMessage());
        var pool = assertThrows(NetDefinitionException.class, () -> NetProtos.build(parse(INPUT
                + "layer { name: \"p\" type: \"Pooling\" bottom: \"data\" top: \"p\"\n"
                + "  pooling_param { pool: MAX kernel_size: 2000000000 pad: 1073741824 } }"), Phase.TEST,
                ShapesOnly.backend()));
        assertTrue(pool.getMessage().startsWith("layer 'p' (Pooling): "), pool.getMessage());
        var dilated = assertThrows(NetDefinitionException.class, () -> NetProtos.build(parse(INPUT
                + "layer { name: \"d\" type: \"Convolution\" bottom: \"data\" top: \"d\"\n"
                + "  convolution_param { num_output: 1 kernel_size: 3 dilation: 2000000000 } }"), Phase.TEST,
                ShapesOnly.backend()));
        assertTrue(dilated.getMessage().contains("smaller than the dilated kernel"), dilated.getMessage());
        var reshape = assertThrows(NetDefinitionException.class, () -> NetProtos.build(parse(INPUT
                + "layer { name: \"r\" type: \"Reshape\" bottom: \"data\" top: \"r\"\n"
                + "  reshape_param { shape { dim: 0 } axis: 1 num_axes: 2147483647 } }"), Phase.TEST,
                ShapesOnly.backend()));
        assertTrue(reshape.getMessage().startsWith("layer 'r' (Reshape): axis 1 + num_axes 2147483647 exceeds"),
                reshape.getMessage());
    }
}

package org.cortado.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Sizes computed exactly and checked before allocation (issue 24). */
class HostMemoryTest {
    @Test
    void anArrayLargerThanTheHeapIsRefusedWithoutTrying() {
        long max = Runtime.getRuntime().maxMemory();
        long count = Math.min(max / Float.BYTES + 1, HostMemory.MAX_ARRAY_LENGTH);
        if (count * Float.BYTES <= max) {
            return;  // a heap over 8 GB: no single array can exceed it
        }
        InsufficientMemoryException e = assertThrows(InsufficientMemoryException.class,
                () -> HostMemory.floats(count, () -> "the weights"));
        assertTrue(e.getMessage().startsWith("the weights: " + count + " floats need "), e.getMessage());
        assertTrue(e.getMessage().contains("of heap this JVM may use"), e.getMessage());
        assertEquals(count * Float.BYTES, e.neededBytes());
        InsufficientMemoryException named = e.about("layer 'fc6' (InnerProduct): parameter 0");
        assertTrue(named.getMessage().startsWith("layer 'fc6' (InnerProduct): parameter 0: " + count + " floats"),
                named.getMessage());
    }

    @Test
    void countsNoArrayCanHoldAndNegativeCountsAreArgumentErrors() {
        assertThrows(IllegalArgumentException.class, () -> HostMemory.floats(Integer.MAX_VALUE, () -> "x"));
        assertThrows(IllegalArgumentException.class, () -> HostMemory.floats(-1, () -> "x"));
        assertEquals(3, HostMemory.floats(3, () -> "x").length);
    }

    @Test
    void shapeProductsAreExact() {
        assertEquals(18_432_000_000_000L, Shape.product(2_000_000_000, 9216));
        assertEquals(Long.MAX_VALUE, Shape.product(1L << 40, 1L << 40));
        assertEquals(0, Shape.product(1L << 40, 1L << 40, 0));
        String m = assertThrows(IllegalArgumentException.class, () -> Shape.of(2_000_000_000, 9216)).getMessage();
        assertEquals("shape (2000000000, 9216) has 18432000000000 elements (73.7 TB as float32), more than the"
                + " 2147483647 (2^31-1) one tensor holds", m);
        // The product of int dimensions overflows a long only with many of them.
        int[] many = new int[5];
        java.util.Arrays.fill(many, Integer.MAX_VALUE);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Shape.of(many)).getMessage()
                .contains("more than 2^63 elements"));
    }

    @Test
    void sizesReadAsPeopleWriteThem() {
        assertEquals("812 bytes", HostMemory.size(812));
        assertEquals("4.7 MB", HostMemory.size(4_731_264));
        assertEquals("68.7 GB", HostMemory.size(68_700_000_000L));
    }
}

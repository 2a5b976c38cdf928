package org.cortado.tensor;

import java.util.Arrays;

/**
 * The immutable dimensions of a tensor, outermost first (N, C, H, W for images).
 *
 * <p>Axis arguments may be negative and then count from the end, as in Caffe ({@code -1} is the last axis).
 */
public final class Shape {
    private final int[] dims;
    private final int count;

    private Shape(int[] dims) {
        for (int d : dims) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(dims));
            }
        }
        long[] wide = Arrays.stream(dims).asLongStream().toArray();
        long n = product(wide);
        if (n > Integer.MAX_VALUE) {
            String elements = n == Long.MAX_VALUE ? "more than 2^63 elements"
                    : n + " elements (" + HostMemory.size(n > Long.MAX_VALUE / 4 ? Long.MAX_VALUE : 4 * n)
                    + " as float32)";
            throw new IllegalArgumentException("shape " + format(wide) + " has " + elements
                    + ", more than the 2147483647 (2^31-1) one tensor holds");
        }
        this.dims = dims;
        this.count = (int) n;
    }

    /**
     * The product of non-negative {@code dims}, exact; {@link Long#MAX_VALUE} when it does not fit in a long (a 0
     * anywhere still makes it 0). For sizes read from files, before anything is allocated by them.
     */
    public static long product(long... dims) {
        long n = 1;
        boolean overflow = false;
        for (long d : dims) {
            if (d == 0) {
                return 0;
            }
            if (!overflow) {
                try {
                    n = Math.multiplyExact(n, d);
                } catch (ArithmeticException e) {
                    overflow = true;
                }
            }
        }
        return overflow ? Long.MAX_VALUE : n;
    }

    /** A shape with the given dimensions (copied). */
    public static Shape of(int... dims) {
        return new Shape(dims.clone());
    }

    /** A shape from Caffe's 64-bit dimensions; rejects dimensions that do not fit in an int. */
    public static Shape ofLongs(long... dims) {
        int[] d = new int[dims.length];
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] < 0 || dims[i] > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("dimension " + dims[i] + " out of range in " + Arrays.toString(dims));
            }
            d[i] = (int) dims[i];
        }
        return new Shape(d);
    }

    public int rank() {
        return dims.length;
    }

    /** The size of {@code axis} (negative counts from the end). */
    public int dim(int axis) {
        return dims[canonicalAxis(axis)];
    }

    /** All dimensions, copied. */
    public int[] dims() {
        return dims.clone();
    }

    /** The number of elements. */
    public int count() {
        return count;
    }

    /** The product of dimensions {@code [start, end)}. */
    public int count(int start, int end) {
        int n = 1;
        for (int i = start; i < end; i++) {
            n *= dims[i];
        }
        return n;
    }

    /** The product of dimensions from {@code start} to the last. */
    public int countFrom(int start) {
        return count(start, dims.length);
    }

    /** Caffe's CanonicalAxisIndex: maps {@code -rank..rank-1} to {@code 0..rank-1}, rejecting the rest. */
    public int canonicalAxis(int axis) {
        if (axis < -dims.length || axis >= dims.length) {
            throw new IllegalArgumentException("axis " + axis + " out of range for shape " + this);
        }
        return axis < 0 ? axis + dims.length : axis;
    }

    /** This shape with {@code axis} set to {@code size}. */
    public Shape withDim(int axis, int size) {
        int[] d = dims.clone();
        d[canonicalAxis(axis)] = size;
        return new Shape(d);
    }

    /** Fails with a message naming both shapes when they differ. */
    public static void requireEqual(String what, Shape expected, Shape actual) {
        if (!expected.equals(actual)) {
            throw new ShapeMismatchException(what + ": expected shape " + expected + " but got " + actual);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape s && Arrays.equals(dims, s.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    /** Written as {@code (1, 3, 227, 227)}. */
    @Override
    public String toString() {
        return format(Arrays.stream(dims).asLongStream().toArray());
    }

    /** Dimensions as a shape is written, {@code (1, 3, 227, 227)}; for sizes that may not make a shape. */
    public static String format(long... dims) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < dims.length; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(dims[i]);
        }
        return sb.append(dims.length == 1 ? ",)" : ")").toString();
    }
}

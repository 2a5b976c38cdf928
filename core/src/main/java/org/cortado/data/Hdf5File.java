package org.cortado.data;

import io.jhdf.HdfFile;
import io.jhdf.api.Dataset;
import io.jhdf.api.Node;
import java.io.IOException;
import java.lang.reflect.Array;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.cortado.tensor.HostMemory;

/**
 * One HDF5 file of an HDF5Data source, read through jhdf (pure Java): its root datasets as Caffe's hdf5.cpp checks
 * them (present, at least one axis, a float or integer class, read as floats), and rows of them. Sizes are checked
 * before anything is read: an uncompressed dataset may not claim more bytes than the file holds, and the rows a
 * reader asks for must fit the heap. Any failure of the reader on a damaged file becomes one line naming the file
 * (and the dataset).
 *
 * <p>A file stays open (mapped) for the rest of the process once opened, as an LMDB does, so that a loader reads rows
 * as it needs them; one whose size or time changed since is opened anew. A file beyond 2 GB, which one buffer cannot
 * map, is read through a file channel instead.
 */
final class Hdf5File {
    /** HDF5's datatype classes that hold numbers Caffe reads as floats: fixed-point (integers) and floating-point. */
    private static final int FIXED_POINT = 0;
    private static final int FLOATING_POINT = 1;
    private static final String[] CLASS_NAMES = {"integer", "float", "time", "string", "bitfield", "opaque",
        "compound", "reference", "enum", "variable-length", "array"};
    private static final Map<Path, Hdf5File> OPEN = new ConcurrentHashMap<>();

    final Path path;
    private final String stamp;
    private final HdfFile file;
    private final long fileBytes;

    private Hdf5File(Path path, String stamp, HdfFile file, long fileBytes) {
        this.path = path;
        this.stamp = stamp;
        this.file = file;
        this.fileBytes = fileBytes;
    }

    /**
     * A checked numeric dataset at the file's root.
     *
     * @param name      its name (the top it feeds)
     * @param dims      its shape; dims[0] is its number of rows
     * @param rowFloats the values of one row (the product of dims[1..])
     */
    record Table(String name, long[] dims, long rowFloats, int elementBytes) {
        long rows() {
            return dims[0];
        }

        /** The shape as "N x C x H x W". */
        String shape() {
            StringBuilder b = new StringBuilder();
            for (long d : dims) {
                b.append(b.length() == 0 ? "" : " x ").append(d);
            }
            return b.toString();
        }
    }

    /** The file at {@code path}, open. @throws DatasetException naming it when it is missing or no HDF5 file */
    static Hdf5File open(Path path) {
        Path abs = path.toAbsolutePath().normalize();
        if (!Files.isRegularFile(abs)) {
            throw new DatasetException(path + ": no such HDF5 file");
        }
        long size;
        String stamp;
        try {
            size = Files.size(abs);
            stamp = size + "@" + Files.getLastModifiedTime(abs).toMillis();
        } catch (IOException e) {
            throw new DatasetException(path + ": cannot read: " + e.getMessage());
        }
        long bytes = size;
        return OPEN.compute(abs, (k, old) -> old != null && old.stamp.equals(stamp) ? old : read(path, stamp, bytes));
    }

    private static Hdf5File read(Path path, String stamp, long bytes) {
        try {
            if (bytes > Integer.MAX_VALUE) {
                return new Hdf5File(path, stamp, new HdfFile(path.toAbsolutePath()), bytes);
            }
            // Mapped, jhdf reads every structure as a slice of the file: a damaged header that claims a gigabyte fails
            // at once. Through a channel jhdf would first allocate (and zero) what the header claims.
            try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
                return new Hdf5File(path, stamp, HdfFile.fromByteBuffer(ch.map(FileChannel.MapMode.READ_ONLY, 0,
                        bytes)), bytes);
            }
        } catch (IOException e) {
            throw new DatasetException(path + ": cannot read: " + e.getMessage());
        } catch (RuntimeException | OutOfMemoryError | StackOverflowError e) {
            throw new DatasetException(path + ": not a readable HDF5 file (" + describe(e) + ")");
        }
    }

    /** Closes {@code path} if it is open, so that the next {@link #open} reads it anew. */
    static void release(Path path) {
        Hdf5File f = OPEN.remove(path.toAbsolutePath().normalize());
        if (f != null) {
            try {
                f.file.close();
            } catch (RuntimeException e) {
                // Closing a read-only channel fails only where reading it would have; nothing is lost.
            }
        }
    }

    /**
     * The root dataset {@code name}, checked: present, of a float or integer class, at least one axis, no axis of
     * length 0, and (uncompressed) no more bytes than the file holds.
     *
     * @param what names it in errors, e.g. "the top 'label' of layer 'data'"
     * @throws DatasetException naming the file and dataset otherwise
     */
    Table table(String name, String what) {
        String where = path + ": dataset '" + name + "'";
        Dataset d;
        try {
            Node n = file.getChild(name);
            if (n == null || n.isGroup() || !(n instanceof Dataset)) {
                throw new DatasetException(path + ": no dataset '" + name + "' (" + what + "); datasets at its root: "
                        + rootDatasets());
            }
            d = (Dataset) n;
            int cls = d.getDataType().getDataClass();
            if (cls != FIXED_POINT && cls != FLOATING_POINT) {
                throw new DatasetException(where + " holds " + className(cls) + " values; HDF5Data reads float, "
                        + "double or integer datasets");
            }
            if (d.isScalar() || d.getDimensionsAsLong().length == 0) {
                throw new DatasetException(where + " is a scalar; HDF5Data needs one row per sample (N x ...)");
            }
            long[] dims = d.getDimensionsAsLong();
            long count = 1;
            for (long dim : dims) {
                if (dim <= 0) {
                    throw new DatasetException(where + " has shape " + Arrays.toString(dims) + ": no rows or an "
                            + "empty axis");
                }
                count = Math.multiplyExact(count, dim);
            }
            int element = d.getDataType().getSize();
            long bytes = Math.multiplyExact(count, (long) element);
            if (d.getFilters().isEmpty() && bytes > fileBytes) {
                throw new DatasetException(where + " claims " + new Table(name, dims, 0, element).shape() + " values ("
                        + HostMemory.size(bytes) + "), more than the file's " + HostMemory.size(fileBytes));
            }
            return new Table(name, dims, count / dims[0], element);
        } catch (ArithmeticException e) {
            throw new DatasetException(where + " claims more values than a long counts");
        } catch (DatasetException e) {
            throw e;
        } catch (RuntimeException | OutOfMemoryError | StackOverflowError e) {
            throw new DatasetException(where + ": cannot be read (" + describe(e) + ")");
        }
    }

    private String rootDatasets() {
        try {
            return file.getChildren().values().stream().filter(n -> n instanceof Dataset).map(Node::getName)
                    .sorted().toList().toString();
        } catch (RuntimeException e) {
            return "(unreadable: " + describe(e) + ")";
        }
    }

    private static String className(int cls) {
        return cls >= 0 && cls < CLASS_NAMES.length ? CLASS_NAMES[cls] : "class-" + cls;
    }

    /**
     * Rows {@code first} to {@code first + count - 1} of {@code t} as floats, row after row.
     *
     * @throws DatasetException naming the file and dataset when they need more memory than the heap has, or the
     *                          reader fails on them
     */
    float[] rows(Table t, long first, int count) {
        String where = path + ": dataset '" + t.name() + "'";
        long floats = t.rowFloats() * count;
        // The reader's bytes and its nested arrays come before ours: about three copies.
        long need = floats * (Float.BYTES + 2L * t.elementBytes());
        if (floats > HostMemory.MAX_ARRAY_LENGTH || need > Runtime.getRuntime().maxMemory()) {
            throw new DatasetException(where + ": " + count + " row(s) of " + t.rowFloats() + " values need about "
                    + HostMemory.size(need) + ", more than the " + HostMemory.size(Runtime.getRuntime().maxMemory())
                    + " of heap this JVM may use (give Java more heap with -Xmx)");
        }
        long[] offset = new long[t.dims().length];
        offset[0] = first;
        int[] size = new int[t.dims().length];
        size[0] = count;
        for (int i = 1; i < size.length; i++) {
            size[i] = (int) t.dims()[i];
        }
        Object data;
        try {
            synchronized (this) {
                Dataset d = (Dataset) file.getChild(t.name());
                // All rows (the labels) come flat: one array rather than one per row.
                data = first == 0 && count == t.rows() ? d.getDataFlat() : d.getData(offset, size);
            }
        } catch (RuntimeException | OutOfMemoryError | StackOverflowError e) {
            throw new DatasetException(where + ": rows " + first + ".." + (first + count - 1) + " cannot be read ("
                    + describe(e) + ")");
        }
        float[] out = new float[(int) floats];
        int n = flatten(data, out, 0);
        if (n != out.length) {
            throw new DatasetException(where + ": the reader gave " + n + " values for " + floats);
        }
        return out;
    }

    /** Copies the numbers of a (nested) Java array into {@code out} from {@code at}; returns the next position. */
    private int flatten(Object a, float[] out, int at) {
        if (a instanceof float[] f) {
            System.arraycopy(f, 0, out, at, Math.min(f.length, out.length - at));
            return at + f.length;
        }
        if (a instanceof double[] v) {
            for (int i = 0; i < v.length && at + i < out.length; i++) {
                out[at + i] = (float) v[i];
            }
            return at + v.length;
        }
        if (a != null && a.getClass().isArray() && a.getClass().getComponentType().isPrimitive()) {
            int len = Array.getLength(a);
            for (int i = 0; i < len && at + i < out.length; i++) {
                out[at + i] = ((Number) Array.get(a, i)).floatValue();
            }
            return at + len;
        }
        if (a instanceof Object[] o) {
            for (Object e : o) {
                if (e instanceof Number num) {
                    if (at < out.length) {
                        out[at] = num.floatValue();
                    }
                    at++;
                } else {
                    at = flatten(e, out, at);
                }
            }
            return at;
        }
        throw new DatasetException(path + ": the reader gave " + (a == null ? "nothing" : a.getClass().getSimpleName())
                + " where numbers were expected");
    }

    static String describe(Throwable e) {
        String msg = e.getMessage();
        String m = msg == null || msg.isBlank() ? e.getClass().getSimpleName() : msg;
        return m.length() <= 160 ? m : m.substring(0, 157) + "...";
    }
}

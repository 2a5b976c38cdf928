package org.cortado.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import org.cortado.tensor.HostMemory;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * NumPy {@code .npy} arrays (format versions 1.0, 2.0 and 3.0): float32 tensors in and out, and int32 arrays for
 * labels. Only little-endian, C-order arrays of the exact dtype asked for are read; anything else is an error naming
 * the file and what it holds, since a silent conversion would hide a wrong input.
 */
public final class Npy {
    /** The dtype cortado's tensors are: little-endian float32. */
    public static final String FLOAT32 = "<f4";
    /** The dtype of label arrays: little-endian int32. */
    public static final String INT32 = "<i4";

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** Magic, two version bytes and a 16-bit (version 1) or 32-bit (versions 2, 3) header length. */
    private static final int PREFIX_V1 = 10;
    private static final int PREFIX_V2 = 12;
    /**
     * Real headers are a few hundred bytes, and NumPy itself refuses to read one over 10000 (its
     * {@code max_header_size}); a far larger length means a damaged or hostile file.
     */
    static final long MAX_HEADER_BYTES = 1 << 16;
    /** NumPy's NPY_MAXDIMS (version 2). */
    private static final int MAX_DIMS = 64;
    /** Values converted per step when writing. */
    private static final int CHUNK = 1 << 18;
    /** Bytes mapped per step when reading; a multiple of 4 so that no value straddles two mappings. */
    private static final int MAP_BYTES = 1 << 30;

    /** An int32 array and its shape. */
    public record Int32Array(Shape shape, int[] data) {
    }

    private Npy() {
    }

    /**
     * Reads a float32 array of any rank as a host tensor of the same shape.
     *
     * @throws NpyFormatException naming the file when it is not a little-endian float32 C-order .npy array
     */
    public static Tensor read(Path file) {
        return readFloats(file, open(file, FLOAT32, "float32"));
    }

    /** As {@link #read(Path)}, and the array must have {@code rank} dimensions (4 for an NCHW batch). */
    public static Tensor read(Path file, int rank) {
        Layout l = open(file, FLOAT32, "float32");
        if (l.shape.rank() != rank) {
            throw new NpyFormatException(file + ": array of shape " + l.shape + " has rank " + l.shape.rank()
                    + "; expected rank " + rank + (rank == 4 ? " (N, C, H, W)" : ""));
        }
        return readFloats(file, l);
    }

    private static Tensor readFloats(Path file, Layout l) {
        // The file holds every value (checked), so only the heap can be too small.
        float[] data = HostMemory.floats(l.count(), () -> file + ": array of shape " + l.shape);
        readData(file, l.offset, data.length, (buf, off, n) -> buf.asFloatBuffer().get(data, off, n));
        return Tensor.wrap(l.shape, data);
    }

    /** Reads an int32 array (labels). */
    public static Int32Array readInt32(Path file) {
        Layout l = open(file, INT32, "int32");
        int[] data = new int[l.count()];
        readData(file, l.offset, data.length, (buf, off, n) -> buf.asIntBuffer().get(data, off, n));
        return new Int32Array(l.shape, data);
    }

    /** Writes a host tensor as a little-endian float32 C-order array, format 1.0, atomically. */
    public static void write(Path file, Tensor tensor) {
        float[] data = tensor.hostData();
        writeArray(file, FLOAT32, tensor.shape(), (buf, off, n) -> buf.asFloatBuffer().put(data, off, n));
    }

    /** Writes {@code values} (row-major, {@code shape.count()} of them) as a little-endian int32 array, atomically. */
    public static void writeInt32(Path file, Shape shape, int[] values) {
        if (values.length < shape.count()) {
            throw new IllegalArgumentException(file + ": " + values.length + " values do not fill shape " + shape);
        }
        writeArray(file, INT32, shape, (buf, off, n) -> buf.asIntBuffer().put(values, off, n));
    }

    /** Moves {@code n} values between a little-endian byte buffer and an array starting at {@code off}. */
    @FunctionalInterface
    private interface Transfer {
        void apply(ByteBuffer buf, int off, int n);
    }

    /** Where an array's data start and what shape they have. */
    private record Layout(Shape shape, long offset) {
        int count() {
            return shape.count();
        }
    }

    private static Layout open(Path file, String dtype, String dtypeName) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer prefix = ByteBuffer.allocate(PREFIX_V2).order(ByteOrder.LITTLE_ENDIAN);
            int got = 0;
            for (int n; prefix.hasRemaining() && (n = ch.read(prefix)) > 0; ) {
                got += n;
            }
            byte[] magic = new byte[MAGIC.length];
            prefix.get(0, magic);
            if (got < PREFIX_V1 || !Arrays.equals(magic, MAGIC)) {
                throw new NpyFormatException(file + ": not a .npy file (it does not start with \\x93NUMPY)");
            }
            int major = prefix.get(6) & 0xFF;
            int minor = prefix.get(7) & 0xFF;
            long headerLength;
            int prefixBytes;
            if (major == 1) {
                headerLength = prefix.getShort(8) & 0xFFFF;
                prefixBytes = PREFIX_V1;
            } else if (major == 2 || major == 3) {
                headerLength = prefix.getInt(8) & 0xFFFFFFFFL;
                prefixBytes = PREFIX_V2;
            } else {
                throw new NpyFormatException(file + ": .npy format version " + major + "." + minor
                        + "; cortado reads versions 1.0, 2.0 and 3.0");
            }
            long size = ch.size();
            if (prefixBytes + headerLength > size) {
                throw new NpyFormatException(file + ": truncated: the .npy header of " + headerLength
                        + " bytes runs past the end of the file (" + size + " bytes)");
            }
            if (headerLength > MAX_HEADER_BYTES) {
                throw new NpyFormatException(file + ": .npy header length " + headerLength + " is not plausible"
                        + " (at most " + MAX_HEADER_BYTES + "; corrupt file)");
            }
            ByteBuffer text = ByteBuffer.allocate((int) headerLength);
            while (text.hasRemaining() && ch.read(text, prefixBytes + text.position()) > 0) {
                // a positional read may return fewer bytes than asked; go on from where it stopped
            }
            // Versions 1 and 2 store the header in Latin-1, version 3 in UTF-8.
            String header = new String(text.array(), major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
            NpyHeader h = NpyHeader.parse(file, header);
            Shape shape = checkHeader(file, h, dtype, dtypeName);
            long offset = prefixBytes + headerLength;
            long expected = 4L * shape.count();
            if (size - offset != expected) {
                throw new NpyFormatException(file + ": " + (size - offset < expected ? "truncated: " : "")
                        + "array of shape " + shape + " needs " + expected + " bytes of data, the file holds "
                        + (size - offset));
            }
            return new Layout(shape, offset);
        } catch (NoSuchFileException e) {
            throw new NpyFormatException(file + ": no such file");
        } catch (IOException e) {
            throw new NpyFormatException(file + (Files.isDirectory(file) ? ": is a directory" : ": cannot read: " + e), e);
        }
    }

    private static Shape checkHeader(Path file, NpyHeader h, String dtype, String dtypeName) {
        if (!dtype.equals(h.descr())) {
            String found = h.descr() instanceof String s ? "'" + s + "'" : String.valueOf(h.descr());
            throw new NpyFormatException(file + ": dtype " + found + " (" + NpyHeader.describe(h.descr())
                    + "); cortado reads " + dtypeName + " ('" + dtype + "') arrays");
        }
        long[] dims = h.shape();
        // For rank 0 and 1 Fortran and C order are the same layout.
        if (h.fortranOrder() && dims.length > 1) {
            throw new NpyFormatException(file + ": Fortran-order (column-major) array of shape "
                    + NpyHeader.tuple(dims) + "; cortado reads C-order arrays (save numpy.ascontiguousarray(a))");
        }
        if (dims.length > MAX_DIMS) {
            throw new NpyFormatException(file + ": array of " + dims.length + " dimensions; NumPy allows at most "
                    + MAX_DIMS);
        }
        if (Arrays.stream(dims).anyMatch(d -> d > Integer.MAX_VALUE) || Shape.product(dims) > Integer.MAX_VALUE) {
            throw new NpyFormatException(file + ": array of shape " + NpyHeader.tuple(dims)
                    + " has more than 2^31-1 values, which one tensor cannot hold");
        }
        return Shape.ofLongs(dims);
    }

    private static void readData(Path file, long offset, int count, Transfer into) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long bytes = 4L * count;
            for (long done = 0; done < bytes; done += MAP_BYTES) {
                int chunk = (int) Math.min(MAP_BYTES, bytes - done);
                ByteBuffer buf = ch.map(FileChannel.MapMode.READ_ONLY, offset + done, chunk)
                        .order(ByteOrder.LITTLE_ENDIAN);
                into.apply(buf, (int) (done / 4), chunk / 4);
            }
        } catch (IOException e) {
            throw new NpyFormatException(file + ": cannot read: " + e, e);
        }
    }

    private static void writeArray(Path file, String dtype, Shape shape, Transfer from) {
        long[] dims = Arrays.stream(shape.dims()).asLongStream().toArray();
        String header = NpyHeader.format(dtype, dims, PREFIX_V1);
        int major = 1;
        if (header.length() > 0xFFFF) {
            header = NpyHeader.format(dtype, dims, PREFIX_V2);
            major = 2;
        }
        byte[] headerBytes = header.getBytes(StandardCharsets.ISO_8859_1);
        int version = major;
        AtomicFiles.write(file, out -> {
            out.write(MAGIC);
            out.write(version);
            out.write(0);
            ByteBuffer len = ByteBuffer.allocate(version == 1 ? 2 : 4).order(ByteOrder.LITTLE_ENDIAN);
            if (version == 1) {
                len.putShort((short) headerBytes.length);
            } else {
                len.putInt(headerBytes.length);
            }
            out.write(len.array());
            out.write(headerBytes);
            writeData(out, shape.count(), from);
        });
    }

    private static void writeData(OutputStream out, int count, Transfer from) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(CHUNK * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int off = 0; off < count; off += CHUNK) {
            int n = Math.min(CHUNK, count - off);
            buf.clear();
            from.apply(buf, off, n);
            out.write(buf.array(), 0, n * 4);
        }
    }
}
